import { CodecError } from '../errors.js';

/**
 * The MessagePack format as farcall uses it: the extension types it reads and writes
 * (docs/protocol.md, "Values"), the typed-array kinds of extension 0x74, and short names of
 * first bytes for error messages. Shared by the encoder and the decoder.
 */

/** Extension type bytes (unsigned; the timestamp's −1 is 0xff). */
export const Ext = {
  /** fixext1 `d4 00 00`. */
  UNDEFINED: 0x00,
  /** fixext1 `d4 2d 00`: JavaScript's −0, which MessagePack ints cannot hold. */
  NEGATIVE_ZERO: 0x2d,
  /** A BigInt outside 64 bits: its two's-complement bytes, big-endian. */
  BIGINT: 0x42,
  /** Tag: the value after it is what `ValueHooks.replace` sent for a function, stream, promise. */
  REFERENCE: 0x52,
  /** Tag: `[name, message, cause]` or `[name, message, cause, fields]` follows. */
  ERROR: 0x65,
  /** fixext4 with a 4-byte id, in front of the first occurrence of a shared object. */
  ID: 0x69,
  /** Tag: an array of alternating keys and values follows. */
  MAP: 0x6d,
  /** fixext4 with the 4-byte id of an object written earlier (or still being written). */
  POINTER: 0x70,
  /** Tag: an array of the items follows. */
  SET: 0x73,
  /** A typed array: one kind byte (TYPED_ARRAYS), then the raw little-endian bytes. */
  TYPED_ARRAY: 0x74,
  /** Tag: `[source, flags]` follows. */
  REGEXP: 0x78,
  /** The standard timestamp extension, type −1. */
  TIMESTAMP: 0xff,
} as const;

/** The typed arrays of extension 0x74, indexed by their kind byte. */
export const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

/**
 * The kind byte of a typed array other than a Uint8Array (which travels as bin), or −1 for one
 * farcall does not carry (a Float16Array, say). Subclasses take their base class's kind.
 */
export function typedArrayKind(view: ArrayBufferView): number {
  for (let kind = 0; kind < TYPED_ARRAYS.length; kind++) {
    if (view instanceof TYPED_ARRAYS[kind]!) return kind;
  }
  return -1;
}

/** A short name for the value a first byte starts, for error messages (never its content). */
export function describeByte(byte: number): string {
  if (byte < 0x80 || byte >= 0xe0) return 'an int';
  if (byte < 0x90) return 'a map';
  if (byte < 0xa0) return 'an array';
  if (byte < 0xc0) return 'a str';
  switch (byte) {
    case 0xc0:
      return 'nil';
    case 0xc1:
      return 'byte 0xc1 (never used)';
    case 0xc2:
    case 0xc3:
      return 'a bool';
    case 0xc4:
    case 0xc5:
    case 0xc6:
      return 'a bin';
    case 0xca:
    case 0xcb:
      return 'a float';
    case 0xd9:
    case 0xda:
    case 0xdb:
      return 'a str';
    case 0xdc:
    case 0xdd:
      return 'an array';
    case 0xde:
    case 0xdf:
      return 'a map';
  }
  return byte >= 0xcc && byte <= 0xd3 ? 'an int' : 'an ext';
}

/**
 * The decoder's CodecError: what is wrong (a type, a count, never content) and where. Every
 * message starts "cannot decode MessagePack", so a log line says which layer refused a frame.
 */
export function decodeError(what: string, offset: number, cause?: unknown): CodecError {
  const message = `cannot decode MessagePack at offset ${offset}: ${what}`;
  return cause === undefined ? new CodecError(message) : new CodecError(message, { cause });
}

/** `0x6d`-style hex of a byte, for error messages. */
export function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}
