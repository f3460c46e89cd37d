import { addExtension, Packr } from 'msgpackr';
import { CodecError, LimitError } from '../errors.js';
import type { CodecOptions } from './codec.js';
import { checkDepth, MAP_EXT, NEGATIVE_ZERO_EXT } from './msgpack-depth.js';

/**
 * The native codec: MessagePack on `msgpackr`, with its structured-clone extensions, so values
 * carry what structured clone carries and JSON does not: `undefined`, `NaN`, `±Infinity`, `-0`,
 * `BigInt` of any size, `Date`, `Map`, `Set`, `RegExp`, `Error`, typed arrays as raw bytes, and
 * shared references and cyclic arrays.
 *
 * msgpackr writes a `Map` and a plain object the same way and writes `-0` as `0`, so `encode`
 * first walks the value and wraps those two in extensions of ours (documented in
 * docs/protocol.md). The walk only copies a container when something inside it was wrapped,
 * and it enforces the depth limit on the way out.
 *
 * Limitations: a cycle that runs through a plain object or a `Map` is a `CodecError` (cyclic
 * arrays and shared references are fine), and so are functions and symbols; class instances
 * travel as plain objects of their own properties; an `Error` whose `cause` leads back to itself
 * arrives as an empty object (msgpackr cannot rebuild it).
 */

class MapTag {
  constructor(readonly entries: unknown[]) {}
}
class NegativeZero {}
const negativeZero = new NegativeZero();

addExtension({
  Class: MapTag,
  type: MAP_EXT,
  write: (tag: MapTag) => tag.entries,
  read: (entries: unknown[]) => {
    const map = new Map();
    for (let i = 0; i < entries.length; i += 2) map.set(entries[i], entries[i + 1]);
    return map;
  },
});
addExtension({
  Class: NegativeZero,
  type: NEGATIVE_ZERO_EXT,
  pack: () => Buffer.from([0]),
  unpack: () => -0,
});

const options = {
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: true,
  int64AsType: 'bigint',
  useBigIntExtension: true,
} as const;
/** Writes shared references and cycles; it tracks every object it packs, which costs. */
const packr = new Packr({ ...options, structuredClone: true });
/**
 * The same encoding without reference tracking, for values in which no object can occur
 * twice: its bytes are identical then, and it packs a typical call about a third faster.
 */
const plainPackr = new Packr({ ...options, structuredClone: false, moreTypes: true });

/** Objects `prepare` met in the value being encoded (Infinity after a cycle). */
let objectsSeen = 0;

/**
 * Encodes a value. Throws `CodecError` for values it cannot carry (functions, symbols, cycles
 * through objects) and `LimitError` past `maxDepth` levels below the `envelope` levels of
 * protocol containers.
 */
export function encodeMsgpack(value: unknown, codec: CodecOptions): Uint8Array {
  const maxDepth = codec.maxDepth;
  const envelope = codec.envelope ?? 0;
  // Counting from -envelope makes the limit apply to user values, not to the message around them.
  objectsSeen = 0;
  const prepared = prepare(value, -envelope, maxDepth, []);
  // At most `envelope` objects are the protocol's own arrays; with one more object at most, none
  // of the user's can be shared or cyclic, and reference tracking has nothing to do.
  const shareable = objectsSeen > envelope + 1;
  try {
    return (shareable ? packr : plainPackr).pack(prepared);
  } catch (error) {
    throw new CodecError(`cannot encode value: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Decodes one value. `envelope` levels of protocol containers around the user's values do not
 * count. Throws `LimitError` when nesting passes `maxDepth` (checked on the bytes,
 * before any object is built) and `CodecError` for anything that is not valid MessagePack.
 */
export function decodeMsgpack(bytes: Uint8Array, codec: CodecOptions): unknown {
  checkDepth(bytes, codec.maxDepth, codec.envelope ?? 0);
  try {
    return packr.unpack(bytes);
  } catch (error) {
    throw new CodecError(`cannot decode MessagePack: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function prepare(value: unknown, depth: number, maxDepth: number, ancestors: object[]): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'number') return Object.is(value, -0) ? negativeZero : value;
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw new CodecError(`cannot encode a ${typeof value}`);
    }
    return value;
  }
  if (depth >= maxDepth) {
    throw new LimitError(`value nests deeper than ${maxDepth} levels (limits.maxDepth)`);
  }
  objectsSeen++;
  if (ancestors.includes(value)) {
    objectsSeen = Number.POSITIVE_INFINITY;
    if (Array.isArray(value)) return value; // msgpackr's structured clone restores it
    throw new CodecError('cannot encode a cycle through an object or Map');
  }
  if (Array.isArray(value)) return prepareArray(value, depth, maxDepth, ancestors);
  if (value instanceof Map) {
    ancestors.push(value);
    const entries: unknown[] = [];
    for (const [k, v] of value) {
      entries.push(
        prepare(k, depth + 1, maxDepth, ancestors),
        prepare(v, depth + 1, maxDepth, ancestors),
      );
    }
    ancestors.pop();
    return new MapTag(entries);
  }
  if (value instanceof Set) {
    // A Set already holds -0 as 0 (SameValueZero), so only nested containers can change.
    ancestors.push(value);
    let changed = false;
    const items: unknown[] = [];
    for (const item of value) {
      const prepared = prepare(item, depth + 1, maxDepth, ancestors);
      if (prepared !== item) changed = true;
      items.push(prepared);
    }
    ancestors.pop();
    return changed ? new Set(items) : value;
  }
  if (value instanceof Error) {
    // msgpackr writes an error's name, message and cause itself; a cause may point anywhere.
    objectsSeen = Number.POSITIVE_INFINITY;
    return value;
  }
  if (value instanceof Date || value instanceof RegExp || ArrayBuffer.isView(value)) {
    return value; // msgpackr's own extensions, holding no references
  }
  // Plain objects, and class instances, which msgpackr writes as maps of their own properties.
  return prepareObject(value as Record<string, unknown>, depth, maxDepth, ancestors);
}

function prepareArray(value: unknown[], depth: number, maxDepth: number, ancestors: object[]) {
  ancestors.push(value);
  let copy: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    const prepared = prepare(item, depth + 1, maxDepth, ancestors);
    if (prepared !== item) {
      copy ??= value.slice();
      copy[i] = prepared;
    }
  }
  ancestors.pop();
  return copy ?? value;
}

function prepareObject(
  value: Record<string, unknown>,
  depth: number,
  maxDepth: number,
  ancestors: object[],
) {
  ancestors.push(value);
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = value[key];
    const prepared = prepare(item, depth + 1, maxDepth, ancestors);
    if (prepared !== item) {
      copy ??= { ...value };
      copy[key] = prepared;
    }
  }
  ancestors.pop();
  return copy ?? value;
}
