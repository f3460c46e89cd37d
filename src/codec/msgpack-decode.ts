/**
 * The MessagePack decoder: builds one value, refusing anything farcall does not write.
 *
 * Budget, as the encoder counts it (msgpack-encode.ts): every value read counts one item, and
 * so does every map key; a tag (Map, Set, RegExp, Error) makes one item of itself and the array
 * after it; an id tag counts nothing and a pointer counts what its target counted (one if the
 * target is still open: a cycle). A container counts one level of nesting; so do the Map, Set,
 * RegExp, Error and reference tags, each with its array. A container is refused before anything
 * is allocated for it when its announced length cannot fit in the bytes left or in the item
 * budget, so work and memory are linear in the input and bounded by the limits.
 */
import { cachedKey, MAX_CACHED_KEY } from './key-cache.js';
import { decodeExt } from './msgpack-decode-ext.js';
import { Input, isKeyByte } from './msgpack-input.js';
import { readUtf8 } from './utf8.js';

export class Decoder extends Input {
  /** Reads one value whose containers are at `level` (the top value is level 1). */
  value(level: number): unknown {
    const bytes = this.bytes;
    const pos = this.pos;
    if (pos >= this.end) this.need(1);
    if (++this.items > this.maxItems) throw this.tooMany();
    const b = bytes[pos]!;
    this.pos = pos + 1;
    if (b < 0x80) return b;
    if (b < 0x90) return this.map(b & 0x0f, level);
    if (b < 0xa0) return this.array(b & 0x0f, level);
    if (b < 0xc0) return this.str(b & 0x1f);
    if (b >= 0xe0) return b - 0x100;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(this.u8());
      case 0xc5:
        return this.bin(this.u16());
      case 0xc6:
        return this.bin(this.u32());
      case 0xc7:
        return decodeExt(this, b, this.u8(), level);
      case 0xc8:
        return decodeExt(this, b, this.u16(), level);
      case 0xc9:
        return decodeExt(this, b, this.u32(), level);
      case 0xca:
        return this.dataView().getFloat32(this.take(4));
      case 0xcb:
        return this.dataView().getFloat64(this.take(8));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf:
        return this.dataView().getBigUint64(this.take(8));
      case 0xd0:
        return (this.u8() << 24) >> 24;
      case 0xd1:
        return (this.u16() << 16) >> 16;
      case 0xd2:
        return this.u32() | 0;
      case 0xd3:
        return this.dataView().getBigInt64(this.take(8));
      case 0xd4:
        return decodeExt(this, b, 1, level);
      case 0xd5:
        return decodeExt(this, b, 2, level);
      case 0xd6:
        return decodeExt(this, b, 4, level);
      case 0xd7:
        return decodeExt(this, b, 8, level);
      case 0xd8:
        return decodeExt(this, b, 16, level);
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.array(this.u16(), level);
      case 0xdd:
        return this.array(this.u32(), level);
      case 0xde:
        return this.map(this.u16(), level);
      case 0xdf:
        return this.map(this.u32(), level);
      default:
        throw this.invalid('byte 0xc1 is never used', pos);
    }
  }

  array(length: number, level: number): unknown[] {
    this.open(level, length);
    const array: unknown[] = new Array(length);
    this.track(array);
    for (let i = 0; i < length; i++) array[i] = this.value(level + 1);
    return array;
  }

  /** A MessagePack map: a plain object (prototype Object.prototype). */
  map(length: number, level: number): Record<string, unknown> {
    this.open(level, length * 2);
    const object: Record<string, unknown> = {};
    this.track(object);
    for (let i = 0; i < length; i++) {
      const key = this.key();
      const item = this.value(level + 1);
      // Assigning `__proto__` would set the prototype; defining it makes an own property.
      if (key === '__proto__') {
        Object.defineProperty(object, key, {
          value: item,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        object[key] = item;
      }
    }
    return object;
  }

  /** A map key: a str, or a number written as one (an int or float, as msgpackr allowed). */
  key(): string {
    if (++this.items > this.maxItems) throw this.tooMany();
    const pos = this.pos;
    this.need(1);
    const b = this.bytes[pos]!;
    if (b >= 0xa0 && b < 0xc0) {
      const length = b & 0x1f;
      this.pos = pos + 1;
      if (length > MAX_CACHED_KEY) return this.str(length);
      this.need(length);
      const key = cachedKey(this.bytes, pos + 1, length);
      if (key === undefined) throw this.invalid('str is not valid UTF-8', pos + 1);
      this.pos = pos + 1 + length;
      return key;
    }
    if (isKeyByte(b)) {
      // Read it as a value, uncounted (the key was counted above).
      this.items--;
      return String(this.value(0));
    }
    throw this.unexpected('a str or number as a map key', pos);
  }

  str(length: number): string {
    const start = this.pos;
    this.need(length);
    const text = readUtf8(this.bytes, start, length);
    if (text === undefined) throw this.invalid('str is not valid UTF-8', start);
    this.pos = start + length;
    return text;
  }

  /** A bin: a Uint8Array of its own, never a view of the frame. */
  bin(length: number): Uint8Array {
    const start = this.pos;
    this.need(length);
    this.pos = start + length;
    return this.bytes.slice(start, start + length);
  }
}
