/**
 * The encoder's containers other than arrays: objects (plain and class instances), Maps, Sets,
 * RegExps and errors, each counting items and levels through the Encoder as the decoder will.
 */
import { CodecError } from '../errors.js';
import type { Encoder } from './msgpack-encode.js';
import { Ext } from './msgpack-format.js';
import { Kind, kindOf } from './msgpack-kind.js';
import { errorFieldKeys } from './msgpack-shared.js';

const ownProperty = Object.prototype.hasOwnProperty;

/**
 * A map of own enumerable string-keyed properties (symbol keys are not carried). `for…in`
 * with an own-property check, because V8 reads `value[key]` in such a loop from its enum
 * cache, where a loop over `Object.keys` pays a generic keyed load per property; the count is
 * not known before the loop, so the map16 header is patched after it.
 */
export function writeFields(e: Encoder, value: object, level: number): void {
  e.enter(level);
  e.count();
  const out = e.out;
  out.ensure(3);
  const header = out.pos;
  out.pos += 3;
  const record = value as Record<string, unknown>;
  let size = 0;
  for (const key in record) {
    if (!ownProperty.call(record, key)) continue;
    size++;
    e.count();
    out.string(key);
    e.write(record[key], level + 1);
  }
  out.patchMapHeader(header, size);
}

/**
 * A class instance: what its `toJSON` returns when it has one (as JSON.stringify and msgpackr
 * do, so a URL travels as its href rather than as `{}`), else its own enumerable properties.
 * Like JSON.stringify, `toJSON` is called once: a result that has one too is written by its
 * properties.
 */
export function writeInstance(e: Encoder, value: object, level: number): void {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON !== 'function') {
    writeFields(e, value, level);
    return;
  }
  const json: unknown = toJSON.call(value);
  if (typeof json === 'object' && json !== null && kindOf(json) === Kind.INSTANCE) {
    writeFields(e, json, level);
  } else {
    e.write(json, level);
  }
}

export function writeEntries(e: Encoder, map: Map<unknown, unknown>, level: number): void {
  e.enter(level);
  e.count();
  const size = map.size;
  e.out.tag(Ext.MAP);
  e.out.arrayHeader(size * 2);
  let written = 0;
  for (const [key, item] of map) {
    if (written++ === size) break;
    e.write(key, level + 1);
    e.write(item, level + 1);
  }
  if (written < size) throw changedWhileEncoding();
}

export function writeItems(e: Encoder, set: Set<unknown>, level: number): void {
  e.enter(level);
  e.count();
  const size = set.size;
  e.out.tag(Ext.SET);
  e.out.arrayHeader(size);
  let written = 0;
  for (const item of set) {
    if (written++ === size) break;
    e.write(item, level + 1);
  }
  if (written < size) throw changedWhileEncoding();
}

/** `[name, message, cause]`, and a map of the error's other fields when it has any. */
export function writeError(e: Encoder, error: Error, level: number): void {
  e.enter(level);
  e.count();
  const out = e.out;
  const keys = errorFieldKeys(error);
  out.tag(Ext.ERROR);
  out.arrayHeader(keys.length > 0 ? 4 : 3);
  const { name, message } = error;
  e.write(typeof name === 'string' ? name : 'Error', level + 1);
  e.write(typeof message === 'string' ? message : String(message), level + 1);
  e.write(error.cause, level + 1);
  if (keys.length === 0) return;
  out.mapHeader(keys.length);
  const record = error as unknown as Record<string, unknown>;
  for (const key of keys) {
    e.count();
    out.string(key);
    e.write(record[key], level + 1);
  }
}

/** `[source, flags]` behind the RegExp tag. */
export function writeRegExp(e: Encoder, regexp: RegExp, level: number): void {
  e.enter(level);
  e.count();
  e.out.tag(Ext.REGEXP);
  e.out.arrayHeader(2);
  e.write(regexp.source, level + 1);
  e.write(regexp.flags, level + 1);
}

function changedWhileEncoding(): CodecError {
  return new CodecError('a Map or Set changed size while it was being encoded');
}
