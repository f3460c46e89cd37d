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
 * Limitations, each a `CodecError`: a cycle that runs through a plain object or a `Map` (cyclic
 * arrays and shared references are fine); functions and symbols.
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

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  structuredClone: true,
  moreTypes: true,
  int64AsType: 'bigint',
  useBigIntExtension: true,
});

/**
 * Encodes a value. Throws `CodecError` for values it cannot carry (functions, symbols, cycles
 * through objects) and `LimitError` past `maxDepth`.
 */
export function encodeMsgpack(value: unknown, maxDepth: number): Uint8Array {
  const prepared = prepare(value, 0, maxDepth, []);
  try {
    return packr.pack(prepared);
  } catch (error) {
    throw new CodecError(`cannot encode value: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Decodes one value. Throws `LimitError` when nesting passes `maxDepth` (checked on the bytes,
 * before any object is built) and `CodecError` for anything that is not valid MessagePack.
 */
export function decodeMsgpack(bytes: Uint8Array, maxDepth: number): unknown {
  checkDepth(bytes, maxDepth);
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
  if (depth >= maxDepth) throw new LimitError(`value nests deeper than ${maxDepth} levels`);
  if (ancestors.includes(value)) {
    if (Array.isArray(value)) return value; // msgpackr's structured clone restores it
    throw new CodecError('cannot encode a cycle through an object or Map');
  }
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) return prepareArray(value, depth, maxDepth, ancestors);
  if (value instanceof Map) {
    ancestors.push(value);
    const entries: unknown[] = [];
    for (const [k, v] of value) {
      entries.push(prepare(k, depth + 1, maxDepth, ancestors), prepare(v, depth + 1, maxDepth, ancestors));
    }
    ancestors.pop();
    return new MapTag(entries);
  }
  if (value instanceof Set) {
    ancestors.push(value);
    let copy: Set<unknown> | undefined;
    for (const item of value) {
      if (typeof item === 'object' && item !== null) prepare(item, depth + 1, maxDepth, ancestors);
      else if (Object.is(item, -0)) copy = new Set(value);
    }
    ancestors.pop();
    // A Set holds -0 as 0 already (SameValueZero), so there is nothing to wrap there.
    return copy ?? value;
  }
  if (proto === Object.prototype || proto === null) {
    return prepareObject(value as Record<string, unknown>, depth, maxDepth, ancestors);
  }
  return value; // Date, RegExp, Error, typed arrays: msgpackr's own extensions
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

/**
 * Walks the MessagePack token stream without building values, to refuse deep nesting before
 * msgpackr recurses into it. Linear in the input; allocates only the small depth stack.
 */
function checkDepth(bytes: Uint8Array, maxDepth: number): void {
  const remaining: number[] = []; // items still expected by each open container
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const end = bytes.length;
  while (pos < end) {
    const token = bytes[pos++]!;
    let items = 0; // items the token opens
    let skip = 0;
    let isPrefix = false;
    if (token <= 0x7f || token >= 0xe0 || (token >= 0xc0 && token <= 0xc3)) {
      // fixint, negative fixint, nil, (unused), false, true
    } else if (token <= 0x8f) items = (token & 0x0f) * 2;
    else if (token <= 0x9f) items = token & 0x0f;
    else if (token <= 0xbf) skip = token & 0x1f;
    else {
      if (pos + 8 > end && token >= 0xc4) {
        // Not enough bytes for the widest header: let msgpackr report the truncation.
        if (pos + sizeOfHeader(token) > end) return;
      }
      switch (token) {
        case 0xc4: case 0xd9: skip = bytes[pos]!; pos += 1; break; // bin8, str8
        case 0xc5: case 0xda: skip = view.getUint16(pos); pos += 2; break;
        case 0xc6: case 0xdb: skip = view.getUint32(pos); pos += 4; break;
        case 0xc7: skip = bytes[pos]! + 1; pos += 1; break; // ext8: size, type, data
        case 0xc8: skip = view.getUint16(pos) + 1; pos += 2; break;
        case 0xc9: skip = view.getUint32(pos) + 1; pos += 4; break;
        case 0xca: skip = 4; break;
        case 0xcb: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xce: case 0xd2: skip = 4; break;
        case 0xcf: case 0xd3: skip = 8; break;
        case 0xd4: isPrefix = PREFIX_EXTS.has(bytes[pos]!); skip = 2; break; // fixext1
        case 0xd5: skip = 3; break;
        case 0xd6: isPrefix = PREFIX_EXTS.has(bytes[pos]!); skip = 5; break; // fixext4
        case 0xd7: skip = 9; break;
        case 0xd8: skip = 17; break;
        case 0xdc: items = view.getUint16(pos); pos += 2; break;
        case 0xdd: items = view.getUint32(pos); pos += 4; break;
        case 0xde: items = view.getUint16(pos) * 2; pos += 2; break;
        case 0xdf: items = view.getUint32(pos) * 2; pos += 4; break;
        default: return; // 0xc1, never used: msgpackr refuses it
      }
    }
    pos += skip;
    if (isPrefix) continue;
    if (items > 0) {
      // A container opens; it fills its parent's slot when its own last item is read.
      if (remaining.length + 1 > maxDepth) {
        throw new LimitError(`value nests deeper than ${maxDepth} levels (limits.maxDepth)`);
      }
      remaining.push(items);
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

function sizeOfHeader(token: number): number {
  if (token === 0xc4 || token === 0xd9 || token === 0xc7) return 1;
  if (token === 0xc5 || token === 0xda || token === 0xc8 || token === 0xdc || token === 0xde) {
    return 2;
  }
  if (token === 0xc6 || token === 0xdb || token === 0xc9 || token === 0xdd || token === 0xdf) {
    return 4;
  }
  return 0;
}
