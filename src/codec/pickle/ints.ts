/**
 * Integer conversions. Python ints have no size limit; the decoder gives a `number` while the
 * value is a safe integer and a `bigint` beyond, and the encoder writes either as an int.
 */
import { CodecError } from '../../errors.js';

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Python (3.11+) refuses to convert decimal strings of more than 4300 digits to int, because
 * the conversion is quadratic; the text opcodes INT and LONG follow the same rule here.
 */
const MAX_DECIMAL_DIGITS = 4300;

/** LONG1/LONG4 payloads above 1 MiB (8 Mbit) are refused: far beyond any honest value. */
export const MAX_LONG_BYTES = 1 << 20;

/** A `number` when `value` is a safe integer, else the `bigint` itself. */
export function normalizeInt(value: bigint): number | bigint {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

/** Little-endian two's complement bytes (LONG1/LONG4) as an int; no bytes mean 0. */
export function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) {
    return 0;
  }
  const hex: string[] = [];
  for (let i = bytes.length - 1; i >= 0; i--) {
    hex.push(bytes[i]!.toString(16).padStart(2, '0'));
  }
  let value = BigInt(`0x${hex.join('')}`);
  if (bytes[bytes.length - 1]! >= 0x80) {
    value -= 1n << BigInt(bytes.length * 8);
  }
  return normalizeInt(value);
}

/** The shortest little-endian two's complement bytes for `value` (empty for 0), as CPython. */
export function encodeLong(value: bigint): Uint8Array {
  if (value === 0n) {
    return new Uint8Array(0);
  }
  // Enough bytes for the magnitude's bits plus a sign bit (for a negative value, the
  // magnitude of -value - 1, so that -128 fits in one byte), then the two's complement.
  const magnitude = (value < 0n ? -value - 1n : value).toString(16);
  const bits = (magnitude.length - 1) * 4 + Number.parseInt(magnitude[0]!, 16).toString(2).length;
  const size = Math.ceil((bits + 1) / 8);
  const wrapped = value < 0n ? (1n << BigInt(size * 8)) + value : value;
  const hex = wrapped.toString(16).padStart(size * 2, '0');
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const end = hex.length - 2 * i;
    out[i] = Number.parseInt(hex.slice(end - 2, end), 16);
  }
  return out;
}

/**
 * A protocol 0 decimal int (`123`, `-5`, with an optional trailing `L` for LONG).
 *
 * @throws {CodecError} when the text is not a plain decimal int or has more than 4300 digits.
 */
export function parseDecimalInt(text: string, what: string): number | bigint {
  const match = /^\s*([+-]?)(\d+)\s*$/.exec(text);
  if (match === null) {
    throw new CodecError(`farcall: pickle ${what} is not a decimal int`);
  }
  if (match[2]!.length > MAX_DECIMAL_DIGITS) {
    throw new CodecError(`farcall: pickle ${what} has more than ${MAX_DECIMAL_DIGITS} digits`);
  }
  const value = BigInt(match[2]!);
  return normalizeInt(match[1] === '-' ? -value : value);
}
