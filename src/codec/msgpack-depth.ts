/**
 * The depth check the native codec runs on incoming bytes before msgpackr builds anything:
 * a walk over the MessagePack tokens that only counts open containers.
 */
import { LimitError } from '../errors.js';

/** Extension type for a `Map`: a tag, then an array of alternating keys and values. */
export const MAP_EXT = 0x6d;
/** Extension type for `-0`: one zero byte. */
export const NEGATIVE_ZERO_EXT = 0x2d;

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
export function checkDepth(bytes: Uint8Array, maxDepth: number, envelope: number): void {
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
