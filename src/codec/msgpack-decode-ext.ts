/**
 * The decoder's extensions: the leaf ones (msgpack-ext-read.ts), the tags that describe the
 * value after them (Map, Set, RegExp, Error, reference), and shared references. Any other
 * extension type is refused, whatever a peer means by it: msgpackr's records (0x72) and string
 * bundles (0x62) among them.
 */
import { CodecError } from '../errors.js';
import type { Decoder } from './msgpack-decode.js';
import { makeError, setCause, setField } from './msgpack-error-value.js';
import { readBigInt, readTypedArray, timestampMillis } from './msgpack-ext-read.js';
import { Ext, hex } from './msgpack-format.js';
import { type Input, type Ref, SKIPPED, uint32 } from './msgpack-input.js';

/** An ext whose header byte `first` announced `length` bytes of data; `d.pos` is at its type. */
export function decodeExt(d: Decoder, first: number, length: number, level: number): unknown {
  d.need(length + 1);
  const bytes = d.bytes;
  const at = d.pos;
  const type = bytes[at]!;
  const start = at + 1;
  d.pos = start + length;
  switch (type) {
    case Ext.UNDEFINED:
    case Ext.NEGATIVE_ZERO:
      checkUnit(d, type, length, at);
      return type === Ext.UNDEFINED ? undefined : -0;
    case Ext.BIGINT:
      return readBigInt(bytes, start, length);
    case Ext.TIMESTAMP:
      return new Date(timestampMillis(bytes, start, length));
    case Ext.TYPED_ARRAY:
      return readTypedArray(bytes, start, length);
    case Ext.MAP:
    case Ext.SET:
    case Ext.REGEXP:
    case Ext.ERROR:
    case Ext.REFERENCE:
      checkTag(d, first, type, at);
      return decodeTagged(d, type, level);
    case Ext.ID:
    case Ext.POINTER:
      checkShared(d, first, type, at);
      return type === Ext.ID
        ? decodeShared(d, uint32(bytes, start), level)
        : decodePointer(d, uint32(bytes, start), at);
    default:
      throw refusedExt(d, type, at);
  }
}

export function refusedExt(input: Input, type: number, at: number): CodecError {
  return input.invalid(`extension type ${hex(type)} is not accepted`, at);
}

/** undefined and -0 are `d4 TYPE 00`. */
export function checkUnit(input: Input, type: number, length: number, at: number): void {
  if (length !== 1 || input.bytes[at + 1] !== 0) {
    throw input.invalid(`ext ${hex(type)} must be d4 ${hex(type)} 00`, at);
  }
}

export function noRevive(): CodecError {
  return new CodecError(
    'cannot decode MessagePack: a stream or callback reference came, and this connection does not carry streams or callbacks',
  );
}

/** A tag is `d4 TYPE 00`: fixext1 with data 00. */
export function checkTag(input: Input, first: number, type: number, at: number): void {
  if (first !== 0xd4 || input.bytes[at + 1] !== 0) {
    throw input.invalid(`tag ${hex(type)} must be d4 ${hex(type)} 00`, at);
  }
}

/** Ids and pointers are fixext4, and only read when references are on. */
export function checkShared(input: Input, first: number, type: number, at: number): void {
  if (!input.references) {
    throw input.invalid(
      `shared references (extension ${hex(type)}) are off on this connection`,
      at,
    );
  }
  if (first !== 0xd6) throw input.invalid(`extension ${hex(type)} must be fixext4`, at);
}

/** The array header a Map, Set, RegExp or Error tag must be followed by. */
export function tagArray(input: Input, what: string): number {
  const at = input.pos;
  const b = input.u8();
  if (b >= 0x90 && b < 0xa0) return b & 0x0f;
  if (b === 0xdc) return input.u16();
  if (b === 0xdd) return input.u32();
  throw input.unexpected(`an array after ${what}`, at);
}

/** The map header of an error's fields. */
export function fieldsHeader(input: Input): number {
  const at = input.pos;
  const b = input.u8();
  if (b >= 0x80 && b < 0x90) return b & 0x0f;
  if (b === 0xde) return input.u16();
  if (b === 0xdf) return input.u32();
  throw input.unexpected('a map of error fields', at);
}

function decodeTagged(d: Decoder, type: number, level: number): unknown {
  switch (type) {
    case Ext.MAP: {
      const length = tagArray(d, 'a Map tag');
      if (length % 2 !== 0) throw d.invalid('a Map tag needs an array of even length');
      d.open(level, length);
      const map = new Map<unknown, unknown>();
      d.track(map);
      for (let i = 0; i < length; i += 2) {
        const key = d.value(level + 1);
        map.set(key, d.value(level + 1));
      }
      return map;
    }
    case Ext.SET: {
      const length = tagArray(d, 'a Set tag');
      d.open(level, length);
      const set = new Set<unknown>();
      d.track(set);
      for (let i = 0; i < length; i++) set.add(d.value(level + 1));
      return set;
    }
    case Ext.REGEXP:
      return decodeRegExp(d, level);
    case Ext.ERROR:
      return decodeError(d, level);
    default: {
      const hooks = d.hooks;
      if (hooks?.revive === undefined) throw noRevive();
      d.open(level, 1);
      return hooks.revive(d.value(level + 1));
    }
  }
}

function decodeRegExp(d: Decoder, level: number): RegExp {
  const at = d.pos;
  if (tagArray(d, 'a RegExp tag') !== 2) throw d.invalid('a RegExp tag needs [source, flags]', at);
  d.open(level, 2);
  const source = d.value(level + 1);
  const flags = d.value(level + 1);
  if (typeof source !== 'string' || typeof flags !== 'string') {
    throw d.invalid('a RegExp tag needs [str, str]', at);
  }
  const regexp = buildRegExp(d, source, flags, at);
  d.track(regexp);
  return regexp;
}

export function buildRegExp(input: Input, source: string, flags: string, at: number): RegExp {
  try {
    return new RegExp(source, flags);
  } catch {
    throw input.invalid('the RegExp tag holds an invalid pattern or flags', at);
  }
}

function decodeError(d: Decoder, level: number): Error {
  const at = d.pos;
  const length = tagArray(d, 'an Error tag');
  if (length !== 3 && length !== 4) throw d.invalid('an Error tag needs 3 or 4 items', at);
  d.open(level, length);
  const name = d.value(level + 1);
  const message = d.value(level + 1);
  if (typeof name !== 'string' || typeof message !== 'string') {
    throw d.invalid('an Error tag needs a str name and a str message', at);
  }
  const error = makeError(name, message);
  d.track(error);
  const cause = d.value(level + 1);
  if (cause !== undefined) setCause(error, cause);
  if (length === 4) {
    const fields = fieldsHeader(d);
    d.open(level, fields * 2);
    for (let i = 0; i < fields; i++) {
      const keyAt = d.pos;
      const key = d.key();
      setField(error, key, d.value(level + 1), keyAt);
    }
  }
  return error;
}

/**
 * Whether the value at the position can be the target of an id: a container, a bin or an
 * extension other than an id, a pointer or a reference tag (whose chains would recurse
 * without nesting). What it decodes to is checked to be an object afterwards.
 */
export function startsObject(input: Input): boolean {
  input.need(1);
  const bytes = input.bytes;
  const pos = input.pos;
  const b = bytes[pos]!;
  if ((b >= 0x80 && b < 0xa0) || (b >= 0xc4 && b <= 0xc6) || (b >= 0xdc && b <= 0xdf)) return true;
  let typeAt: number;
  if (b >= 0xd4 && b <= 0xd8) typeAt = pos + 1;
  else if (b === 0xc7) typeAt = pos + 2;
  else if (b === 0xc8) typeAt = pos + 3;
  else if (b === 0xc9) typeAt = pos + 5;
  else return false;
  if (typeAt >= input.end) return true; // truncated: reading it will say so
  const type = bytes[typeAt]!;
  return type !== Ext.ID && type !== Ext.POINTER && type !== Ext.REFERENCE;
}

/** Registers a new id, refusing one defined twice or not followed by an object. */
export function defineRef(input: Input, id: number, at: number): Ref {
  input.refs ??= new Map();
  const refs = input.refs;
  if (refs.has(id)) throw input.invalid('a reference id is defined twice', at);
  if (!startsObject(input)) throw input.invalid('a reference id must be followed by an object', at);
  const ref: Ref = { target: SKIPPED, items: 0, open: true };
  refs.set(id, ref);
  // The id itself counts nothing: the value after it counts.
  input.items--;
  return ref;
}

function decodeShared(d: Decoder, id: number, level: number): unknown {
  const at = d.pos - 6;
  const ref = defineRef(d, id, at);
  ref.target = undefined;
  const before = d.items;
  d.pending = ref;
  const value = d.value(level);
  d.pending = undefined;
  if (typeof value !== 'object' || value === null) {
    throw d.invalid('a reference id must be followed by an object', at);
  }
  ref.target = value;
  ref.items = d.items - before;
  ref.open = false;
  return value;
}

/** Counts a pointer as its target counted (one for a cycle) and returns the target. */
export function resolvePointer(input: Input, id: number, at: number): Ref {
  const ref = input.refs?.get(id);
  if (ref === undefined) throw input.invalid('a pointer to an unknown reference id', at);
  if (!ref.open) {
    // The pointer was counted as one item already.
    input.items += ref.items - 1;
    if (input.items > input.maxItems) throw input.tooMany();
  }
  return ref;
}

function decodePointer(d: Decoder, id: number, at: number): unknown {
  const ref = resolvePointer(d, id, at);
  if (ref.target === SKIPPED) {
    throw d.invalid('a pointer into a value that was skipped, not decoded', at);
  }
  return ref.target;
}
