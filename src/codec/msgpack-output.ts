import { CodecError } from '../errors.js';
import { writeUtf8 } from './utf8.js';

/** The first buffer; it doubles as needed. */
const INITIAL_BYTES = 8192;
/** A buffer that grew past this is dropped after the message, so one big value is not kept. */
const KEEP_BYTES = 1024 * 1024;
/** No message is larger than a typed array can be; past this, encoding fails cleanly. */
const MAX_BYTES = 0x7fff_fff0;

/**
 * A growable byte buffer that writes MessagePack headers and scalars. One instance is reused
 * across messages; `take` copies the message out, so the caller owns what it gets and the
 * buffer can be written again at once.
 */
export class Output {
  bytes = new Uint8Array(INITIAL_BYTES);
  view = new DataView(this.bytes.buffer);
  pos = 0;

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.bytes.length) this.grow(this.pos + n);
  }

  private grow(needed: number): void {
    if (needed > MAX_BYTES) throw new CodecError('encoded value is larger than 2 GiB');
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const bytes = new Uint8Array(Math.min(size, MAX_BYTES));
    bytes.set(this.bytes.subarray(0, this.pos));
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer);
  }

  /** The message written since `reset`, as a copy. */
  take(): Uint8Array {
    const message = this.bytes.slice(0, this.pos);
    this.reset();
    return message;
  }

  reset(): void {
    this.pos = 0;
    if (this.bytes.length > KEEP_BYTES) {
      this.bytes = new Uint8Array(INITIAL_BYTES);
      this.view = new DataView(this.bytes.buffer);
    }
  }

  byte(b: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = b;
  }

  /** A one-byte tag extension, `d4 TYPE 00`. */
  tag(type: number): void {
    this.ensure(3);
    const bytes = this.bytes;
    bytes[this.pos] = 0xd4;
    bytes[this.pos + 1] = type;
    bytes[this.pos + 2] = 0;
    this.pos += 3;
  }

  /** fixext4 with a big-endian uint32: the reference id and pointer forms. */
  ext4(type: number, value: number): void {
    this.ensure(6);
    this.bytes[this.pos] = 0xd6;
    this.bytes[this.pos + 1] = type;
    this.view.setUint32(this.pos + 2, value);
    this.pos += 6;
  }

  /** A header with a 1-, 2- or 4-byte big-endian length after `code8`/`code16`/`code32`. */
  private sized(length: number, code8: number, code16: number, code32: number): void {
    this.ensure(5);
    const bytes = this.bytes;
    let pos = this.pos;
    if (length < 0x100 && code8 !== 0) {
      bytes[pos++] = code8;
      bytes[pos++] = length;
    } else if (length < 0x10000) {
      bytes[pos++] = code16;
      bytes[pos++] = length >> 8;
      bytes[pos++] = length & 0xff;
    } else {
      bytes[pos++] = code32;
      this.view.setUint32(pos, length);
      pos += 4;
    }
    this.pos = pos;
  }

  arrayHeader(length: number): void {
    if (length < 0x10) this.byte(0x90 | length);
    else this.sized(length, 0, 0xdc, 0xdd);
  }

  /**
   * A map header, map16 even for small maps (as msgpackr wrote objects, which the protocol's
   * byte vectors fix), map32 past 65,535 entries.
   */
  mapHeader(length: number): void {
    this.sized(length, 0, 0xde, 0xdf);
  }

  /**
   * Writes the header of a map whose 3 bytes were reserved at `at` before its entries were
   * written: map16, or map32 past 65,535 entries (moving the entries along by two bytes).
   */
  patchMapHeader(at: number, size: number): void {
    const bytes = this.bytes;
    if (size < 0x10000) {
      bytes[at] = 0xde;
      bytes[at + 1] = size >> 8;
      bytes[at + 2] = size & 0xff;
      return;
    }
    this.ensure(2);
    this.bytes.copyWithin(at + 5, at + 3, this.pos);
    this.bytes[at] = 0xdf;
    this.view.setUint32(at + 1, size);
    this.pos += 2;
  }

  binHeader(length: number): void {
    this.sized(length, 0xc4, 0xc5, 0xc6);
  }

  /** An ext header for `length` bytes of data, always ext8/16/32 (msgpackr's typed arrays). */
  extHeader(length: number, type: number): void {
    this.sized(length, 0xc7, 0xc8, 0xc9);
    this.byte(type);
  }

  /** Ext data of any length, in the fixext form when there is one (msgpackr's BigInts). */
  extData(type: number, data: Uint8Array): void {
    const length = data.length;
    const fixed =
      length === 1 ? 0xd4 : length === 2 ? 0xd5 : length === 4 ? 0xd6 : length === 8 ? 0xd7 : 0;
    if (length === 16) this.byte(0xd8);
    else if (fixed !== 0) this.byte(fixed);
    else this.sized(length, 0xc7, 0xc8, 0xc9);
    this.byte(type);
    this.raw(data);
  }

  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.bytes.set(data, this.pos);
    this.pos += data.length;
  }

  /** A number: MessagePack int in the uint32/int32 range (fixints included), else float64. */
  number(value: number): void {
    this.ensure(9);
    const bytes = this.bytes;
    const pos = this.pos;
    if (value >>> 0 === value) {
      if (value < 0x80) {
        bytes[pos] = value;
        this.pos = pos + 1;
      } else if (value < 0x100) {
        bytes[pos] = 0xcc;
        bytes[pos + 1] = value;
        this.pos = pos + 2;
      } else if (value < 0x10000) {
        bytes[pos] = 0xcd;
        bytes[pos + 1] = value >> 8;
        bytes[pos + 2] = value & 0xff;
        this.pos = pos + 3;
      } else {
        bytes[pos] = 0xce;
        this.view.setUint32(pos + 1, value);
        this.pos = pos + 5;
      }
    } else if (value >> 0 === value) {
      if (value >= -0x20) {
        bytes[pos] = value & 0xff;
        this.pos = pos + 1;
      } else if (value >= -0x80) {
        bytes[pos] = 0xd0;
        bytes[pos + 1] = value & 0xff;
        this.pos = pos + 2;
      } else if (value >= -0x8000) {
        bytes[pos] = 0xd1;
        this.view.setInt16(pos + 1, value);
        this.pos = pos + 3;
      } else {
        bytes[pos] = 0xd2;
        this.view.setInt32(pos + 1, value);
        this.pos = pos + 5;
      }
    } else {
      bytes[pos] = 0xcb;
      this.view.setFloat64(pos + 1, value);
      this.pos = pos + 9;
    }
  }

  /**
   * A str. The header is sized for the string's UTF-16 length (right for ASCII) and the bytes
   * are moved along in the rare case that UTF-8 needs a longer one.
   */
  string(value: string): void {
    const units = value.length;
    this.ensure(units * 3 + 5);
    const header = units < 0x20 ? 1 : units < 0x100 ? 2 : units < 0x10000 ? 3 : 5;
    const start = this.pos;
    const end = writeUtf8(this.bytes, start + header, value);
    const length = end - start - header;
    const needed = length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
    const bytes = this.bytes;
    if (needed > header) bytes.copyWithin(start + needed, start + header, end);
    let pos = start;
    if (needed === 1) {
      bytes[pos++] = 0xa0 | length;
    } else if (needed === 2) {
      bytes[pos++] = 0xd9;
      bytes[pos++] = length;
    } else if (needed === 3) {
      bytes[pos++] = 0xda;
      bytes[pos++] = length >> 8;
      bytes[pos++] = length & 0xff;
    } else {
      bytes[pos++] = 0xdb;
      this.view.setUint32(pos, length);
      pos += 4;
    }
    // `needed` is never smaller than `header`: UTF-8 takes at least a byte per UTF-16 unit.
    this.pos = start + needed + length;
  }
}
