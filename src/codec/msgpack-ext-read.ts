/**
 * The decoder's leaf extensions: BigInt (0x42), timestamp (−1) and typed arrays (0x74). Each
 * gets the offset and length of its data, which the caller has checked are inside the input,
 * and throws CodecError for data of the wrong form.
 */
import { decodeError, TYPED_ARRAYS } from './msgpack-format.js';
import { uint32 } from './msgpack-input.js';

const HEX: string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Two's-complement big-endian bytes of any length (at least one) as a BigInt. */
export function readBigInt(bytes: Uint8Array, start: number, length: number): bigint {
  if (length === 0) throw decodeError('empty BigInt', start);
  // Hex digits make this linear in the length, where shifting word by word would be quadratic.
  const digits: string[] = new Array(length);
  for (let i = 0; i < length; i++) digits[i] = HEX[bytes[start + i]!]!;
  let value: bigint;
  try {
    value = BigInt(`0x${digits.join('')}`);
  } catch (error) {
    throw decodeError(`BigInt of ${length} bytes is too large`, start, error);
  }
  return bytes[start]! & 0x80 ? value - (1n << BigInt(length * 8)) : value;
}

/** Largest time a Date holds, in ms either side of 1970. */
const MAX_DATE_MS = 8.64e15;

/**
 * The milliseconds of a timestamp (32, 64 or 96 bits), or NaN for msgpackr's invalid-Date form
 * (one data byte, 0xff). Nanoseconds below a millisecond are dropped: a Date has no more.
 */
export function timestampMillis(bytes: Uint8Array, start: number, length: number): number {
  let seconds: number;
  let nanos = 0;
  if (length === 4) {
    seconds = uint32(bytes, start);
  } else if (length === 8) {
    const high = uint32(bytes, start);
    nanos = high >>> 2;
    seconds = (high & 0x3) * 0x1_0000_0000 + uint32(bytes, start + 4);
  } else if (length === 12) {
    nanos = uint32(bytes, start);
    const high = uint32(bytes, start + 4);
    seconds = (high | 0) * 0x1_0000_0000 + uint32(bytes, start + 8);
  } else if (length === 1 && bytes[start] === 0xff) {
    return Number.NaN;
  } else {
    throw decodeError(`timestamp of ${length} bytes`, start);
  }
  if (nanos > 999_999_999) {
    throw decodeError('timestamp nanoseconds past 999,999,999', start);
  }
  const millis = seconds * 1000 + Math.floor(nanos / 1_000_000);
  if (!(Math.abs(millis) <= MAX_DATE_MS)) {
    throw decodeError('timestamp outside the range of a Date', start);
  }
  return millis;
}

/** Checks a typed array's data (kind byte, whole elements) and returns its constructor. */
export function typedArrayType(
  bytes: Uint8Array,
  start: number,
  length: number,
): (typeof TYPED_ARRAYS)[number] {
  const kind = length > 0 ? bytes[start]! : TYPED_ARRAYS.length;
  const type = kind < TYPED_ARRAYS.length ? TYPED_ARRAYS[kind] : undefined;
  if (type === undefined) {
    throw decodeError('unknown typed array kind', start);
  }
  if ((length - 1) % type.BYTES_PER_ELEMENT !== 0) {
    throw decodeError(`typed array of ${length - 1} bytes is not whole ${type.name}s`, start);
  }
  return type;
}

/** A typed array over a copy of its data (aligned, and never a view into the frame). */
export function readTypedArray(bytes: Uint8Array, start: number, length: number): ArrayBufferView {
  const type = typedArrayType(bytes, start, length);
  const copy = bytes.slice(start + 1, start + length);
  return new type(copy.buffer);
}
