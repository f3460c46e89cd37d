import { addExtension, Packr } from 'msgpackr';
import { CodecError, LimitError } from '../errors.js';

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

/** Extension type for a `Map`: a tag, then an array of alternating keys and values. */
export const MAP_EXT = 0x6d;
/** Extension type for `-0`: one zero byte. */
export const NEGATIVE_ZERO_EXT = 0x2d;

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
export function encodeMsgpack(value: unknown, maxDepth: number, envelope = 0): Uint8Array {
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
export function decodeMsgpack(bytes: Uint8Array, maxDepth: number, envelope = 0): unknown {
  checkDepth(bytes, maxDepth, envelope);
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

/**
 * Extension types that are a one-byte tag in front of the value they describe (msgpackr's
 * structured-clone encoding): they do not fill a slot in their container by themselves.
 */
const PREFIX_EXTS = new Set([0x65, 0x69, 0x73, 0x78, MAP_EXT]);

const SCALAR = 0;
const BYTES = 1; // str, bin: a length, then that many bytes
const EXT = 2; // ext: a length, a type byte, then the data
const ARRAY = 3;
const MAP = 4;
const INVALID = 5;

/** Per first byte: its kind, how many bytes hold its length, and how many fixed bytes follow. */
const kinds = new Uint8Array(256);
const widths = new Uint8Array(256);
const fixed = new Uint8Array(256);
function token(first: number, last: number, kind: number, width = 0, extra = 0): void {
  for (let t = first; t <= last; t++) [kinds[t], widths[t], fixed[t]] = [kind, width, extra];
}
token(0x80, 0x8f, MAP);
token(0x90, 0x9f, ARRAY);
token(0xa0, 0xbf, BYTES);
token(0xc1, 0xc1, INVALID);
token(0xc4, 0xc4, BYTES, 1);
token(0xc5, 0xc5, BYTES, 2);
token(0xc6, 0xc6, BYTES, 4);
token(0xc7, 0xc7, EXT, 1, 1);
token(0xc8, 0xc8, EXT, 2, 1);
token(0xc9, 0xc9, EXT, 4, 1);
for (const [t, n] of [
  [0xca, 4],
  [0xcb, 8],
  [0xcc, 1],
  [0xcd, 2],
  [0xce, 4],
  [0xcf, 8],
] as const) {
  token(t, t, SCALAR, 0, n);
  token(t + 6, t + 6, SCALAR, 0, n); // 0xd0-0xd3: the signed twins of 0xcc-0xcf
}
for (const [t, n] of [
  [0xd4, 2],
  [0xd5, 3],
  [0xd6, 5],
  [0xd7, 9],
  [0xd8, 17],
] as const) {
  token(t, t, EXT, 0, n);
}
token(0xd9, 0xd9, BYTES, 1);
token(0xda, 0xda, BYTES, 2);
token(0xdb, 0xdb, BYTES, 4);
token(0xdc, 0xdc, ARRAY, 2);
token(0xdd, 0xdd, ARRAY, 4);
token(0xde, 0xde, MAP, 2);
token(0xdf, 0xdf, MAP, 4);

/**
 * Walks the MessagePack token stream without building values, to refuse deep nesting before
 * msgpackr recurses into it. Linear in the input; allocates only the small depth stack.
 * Truncated or invalid input is left for msgpackr to report.
 */
function checkDepth(bytes: Uint8Array, maxDepth: number, envelope: number): void {
  const end = bytes.length;
  // Each open container took at least one byte, so input no longer than the limit cannot pass
  // it: most messages are that small, and skip the walk (docs/benchmarks.md).
  if (end <= maxDepth + envelope) return;
  const remaining: number[] = []; // items still expected by each open container
  let pos = 0;
  while (pos < end) {
    const t = bytes[pos++]!;
    const kind = kinds[t]!;
    const width = widths[t]!;
    if (kind === INVALID || pos + width > end) return;
    let length = width === 0 ? t & (kind === BYTES ? 0x1f : 0x0f) : readLength(bytes, pos, width);
    pos += width;
    if (kind === EXT && width === 0) {
      const prefix = (t === 0xd4 || t === 0xd6) && PREFIX_EXTS.has(bytes[pos]!);
      pos += fixed[t]!;
      if (prefix) continue;
      length = 0;
    } else if (kind === SCALAR) {
      pos += fixed[t]!;
      length = 0;
    } else if (kind === BYTES || kind === EXT) {
      pos += length + fixed[t]!;
      length = 0;
    } else if (kind === MAP) {
      length *= 2;
    }
    if (length > 0) {
      // A container opens; it fills its parent's slot when its own last item is read.
      if (remaining.length >= maxDepth + envelope) {
        throw new LimitError(`value nests deeper than ${maxDepth} levels (limits.maxDepth)`);
      }
      remaining.push(length);
      continue;
    }
    // A whole value was read: it fills one slot, which may complete containers up the stack.
    while (remaining.length > 0) {
      const top = remaining.length - 1;
      if (--remaining[top]! > 0) break;
      remaining.pop();
    }
  }
}

/** A big-endian length of 1, 2 or 4 bytes (the caller checked they are there). */
function readLength(bytes: Uint8Array, pos: number, width: number): number {
  if (width === 1) return bytes[pos]!;
  if (width === 2) return (bytes[pos]! << 8) | bytes[pos + 1]!;
  return (
    bytes[pos]! * 0x1000000 + ((bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!)
  );
}
