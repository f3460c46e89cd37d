/**
 * The encoder's scalars that need more than a header: BigInts, Dates and typed arrays, written
 * byte for byte as msgpackr wrote them (so peers on either codec read each other).
 */
import { Ext } from './msgpack-format.js';
import type { Output } from './msgpack-output.js';

const INT64_MIN = -(2n ** 63n);
const UINT64_LIMIT = 2n ** 64n;

/**
 * A BigInt: int64 (`d3`) when it fits, uint64 (`cf`) when it fits that, else extension 0x42
 * holding its two's complement in the fewest 8-byte words whose top bit is the sign, big-endian.
 */
export function writeBigInt(out: Output, value: bigint): void {
  if (value >= INT64_MIN && value < -INT64_MIN) {
    out.ensure(9);
    out.bytes[out.pos] = 0xd3;
    out.view.setBigInt64(out.pos + 1, value);
    out.pos += 9;
  } else if (value > 0n && value < UINT64_LIMIT) {
    out.ensure(9);
    out.bytes[out.pos] = 0xcf;
    out.view.setBigUint64(out.pos + 1, value);
    out.pos += 9;
  } else {
    out.extData(Ext.BIGINT, twosComplement(value));
  }
}

function twosComplement(value: bigint): Uint8Array {
  // For a negative value, ~value is non-negative and has the same bits inverted, so both signs
  // are the bits of a non-negative number; hex makes this linear in the size of the number.
  const negative = value < 0n;
  const digits = (negative ? ~value : value).toString(16);
  const bitLength = (digits.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(digits[0]!, 16)));
  const words = Math.floor(bitLength / 64) + 1; // room for a sign bit above the value's bits
  const bytes = new Uint8Array(words * 8);
  const padded = digits.padStart(words * 16, '0');
  for (let i = 0; i < bytes.length; i++) {
    const byte = Number.parseInt(padded.slice(i * 2, i * 2 + 2), 16);
    bytes[i] = negative ? ~byte & 0xff : byte;
  }
  return bytes;
}

/**
 * A Date as the timestamp extension: timestamp 32 for whole seconds in [0, 2^32), timestamp 64
 * for [0, 2^34) seconds, timestamp 96 otherwise. An invalid Date has no instant to carry; it is
 * written as msgpackr wrote it, `d4 ff ff` (a one-byte timestamp, which the decoder reads back
 * as an invalid Date and other MessagePack readers refuse as malformed).
 */
export function writeDate(out: Output, date: Date): void {
  const time = date.getTime();
  out.ensure(15);
  const { bytes, view } = out;
  const pos = out.pos;
  if (Number.isNaN(time)) {
    bytes[pos] = 0xd4;
    bytes[pos + 1] = Ext.TIMESTAMP;
    bytes[pos + 2] = 0xff;
    out.pos = pos + 3;
    return;
  }
  const seconds = Math.floor(time / 1000);
  const millis = time - seconds * 1000;
  if (millis === 0 && seconds >= 0 && seconds < 0x1_0000_0000) {
    bytes[pos] = 0xd6;
    bytes[pos + 1] = Ext.TIMESTAMP;
    view.setUint32(pos + 2, seconds);
    out.pos = pos + 6;
  } else if (seconds >= 0 && seconds < 0x4_0000_0000) {
    bytes[pos] = 0xd7;
    bytes[pos + 1] = Ext.TIMESTAMP;
    // 30 bits of nanoseconds, then 34 bits of seconds.
    view.setUint32(pos + 2, millis * 4_000_000 + Math.floor(seconds / 0x1_0000_0000));
    view.setUint32(pos + 6, seconds >>> 0);
    out.pos = pos + 10;
  } else {
    bytes[pos] = 0xc7;
    bytes[pos + 1] = 12;
    bytes[pos + 2] = Ext.TIMESTAMP;
    view.setUint32(pos + 3, millis * 1_000_000);
    view.setBigInt64(pos + 7, BigInt(seconds));
    out.pos = pos + 15;
  }
}

/** A typed array (not a Uint8Array): extension 0x74, its kind byte, then its bytes. */
export function writeTypedArray(out: Output, view: ArrayBufferView, kind: number): void {
  // JavaScript engines are little-endian on every platform Node and browsers ship for, so the
  // memory of the view is the wire's little-endian form.
  out.extHeader(view.byteLength + 1, Ext.TYPED_ARRAY);
  out.byte(kind);
  out.raw(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}
