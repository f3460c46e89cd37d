/**
 * Stepping over one value without building it: every check the decoder makes (types, tags,
 * UTF-8, typed-array lengths, timestamps, RegExp patterns, reference ids) and the same item and
 * depth budget, so `skip` refuses exactly what `value` refuses, at a fraction of the cost and
 * without allocating the value. Ids met while skipping are remembered by their item counts
 * only: a later pointer to one from a decoded value is a CodecError.
 */
import type { Decoder } from './msgpack-decode.js';
import {
  buildRegExp,
  checkShared,
  checkTag,
  checkUnit,
  defineRef,
  fieldsHeader,
  noRevive,
  refusedExt,
  resolvePointer,
  tagArray,
} from './msgpack-decode-ext.js';
import { setField } from './msgpack-error-value.js';
import { timestampMillis, typedArrayType } from './msgpack-ext-read.js';
import { Ext } from './msgpack-format.js';
import { isKeyByte, uint32 } from './msgpack-input.js';
import { isUtf8 } from './utf8.js';

/** What a skipped value was, as far as a tag or an id around it needs to know. */
const OTHER = 0;
const STRING = 1;
const OBJECT = 2;

/** Steps over one value whose containers are at `level`; returns what kind of value it was. */
export function skipValue(d: Decoder, level: number): number {
  const pos = d.pos;
  if (pos >= d.end) d.need(1);
  if (++d.items > d.maxItems) throw d.tooMany();
  const b = d.bytes[pos]!;
  d.pos = pos + 1;
  if (b < 0x80 || b >= 0xe0) return OTHER;
  if (b < 0x90) return skipMap(d, b & 0x0f, level);
  if (b < 0xa0) return skipArray(d, b & 0x0f, level);
  if (b < 0xc0) return skipStr(d, b & 0x1f);
  switch (b) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return OTHER;
    case 0xc4:
      d.take(d.u8());
      return OBJECT;
    case 0xc5:
      d.take(d.u16());
      return OBJECT;
    case 0xc6:
      d.take(d.u32());
      return OBJECT;
    case 0xc7:
      return skipExt(d, b, d.u8(), level);
    case 0xc8:
      return skipExt(d, b, d.u16(), level);
    case 0xc9:
      return skipExt(d, b, d.u32(), level);
    case 0xcc:
    case 0xd0:
      d.take(1);
      return OTHER;
    case 0xcd:
    case 0xd1:
      d.take(2);
      return OTHER;
    case 0xca:
    case 0xce:
    case 0xd2:
      d.take(4);
      return OTHER;
    case 0xcb:
    case 0xcf:
    case 0xd3:
      d.take(8);
      return OTHER;
    case 0xd4:
      return skipExt(d, b, 1, level);
    case 0xd5:
      return skipExt(d, b, 2, level);
    case 0xd6:
      return skipExt(d, b, 4, level);
    case 0xd7:
      return skipExt(d, b, 8, level);
    case 0xd8:
      return skipExt(d, b, 16, level);
    case 0xd9:
      return skipStr(d, d.u8());
    case 0xda:
      return skipStr(d, d.u16());
    case 0xdb:
      return skipStr(d, d.u32());
    case 0xdc:
      return skipArray(d, d.u16(), level);
    case 0xdd:
      return skipArray(d, d.u32(), level);
    case 0xde:
      return skipMap(d, d.u16(), level);
    case 0xdf:
      return skipMap(d, d.u32(), level);
    default:
      throw d.invalid('byte 0xc1 is never used', pos);
  }
}

function skipStr(d: Decoder, length: number): number {
  const start = d.take(length);
  if (!isUtf8(d.bytes, start, length)) throw d.invalid('str is not valid UTF-8', start);
  return STRING;
}

function skipArray(d: Decoder, length: number, level: number): number {
  d.open(level, length);
  for (let i = 0; i < length; i++) skipValue(d, level + 1);
  return OBJECT;
}

function skipMap(d: Decoder, length: number, level: number): number {
  d.open(level, length * 2);
  for (let i = 0; i < length; i++) {
    skipKey(d);
    skipValue(d, level + 1);
  }
  return OBJECT;
}

function skipKey(d: Decoder): void {
  d.need(1);
  if (!isKeyByte(d.bytes[d.pos]!)) throw d.unexpected('a str or number as a map key', d.pos);
  skipValue(d, 0);
}

function skipExt(d: Decoder, first: number, length: number, level: number): number {
  d.need(length + 1);
  const bytes = d.bytes;
  const at = d.pos;
  const type = bytes[at]!;
  const start = at + 1;
  d.pos = start + length;
  switch (type) {
    case Ext.UNDEFINED:
    case Ext.NEGATIVE_ZERO:
      checkUnit(d, type, length, at);
      return OTHER;
    case Ext.BIGINT:
      if (length === 0) throw d.invalid('empty BigInt', start);
      return OTHER;
    case Ext.TIMESTAMP:
      timestampMillis(bytes, start, length);
      return OBJECT;
    case Ext.TYPED_ARRAY:
      typedArrayType(bytes, start, length);
      return OBJECT;
    case Ext.MAP:
    case Ext.SET:
    case Ext.REGEXP:
    case Ext.ERROR:
    case Ext.REFERENCE:
      checkTag(d, first, type, at);
      return skipTagged(d, type, level);
    case Ext.ID: {
      checkShared(d, first, type, at);
      const ref = defineRef(d, uint32(bytes, start), at - 1);
      const before = d.items;
      if (skipValue(d, level) !== OBJECT) {
        throw d.invalid('a reference id must be followed by an object', at - 1);
      }
      ref.items = d.items - before;
      ref.open = false;
      return OBJECT;
    }
    case Ext.POINTER:
      checkShared(d, first, type, at);
      resolvePointer(d, uint32(bytes, start), at - 1);
      return OBJECT;
    default:
      throw refusedExt(d, type, at);
  }
}

function skipTagged(d: Decoder, type: number, level: number): number {
  const at = d.pos;
  switch (type) {
    case Ext.MAP: {
      const length = tagArray(d, 'a Map tag');
      if (length % 2 !== 0) throw d.invalid('a Map tag needs an array of even length');
      return skipItems(d, length, level);
    }
    case Ext.SET:
      return skipItems(d, tagArray(d, 'a Set tag'), level);
    case Ext.REGEXP: {
      if (tagArray(d, 'a RegExp tag') !== 2)
        throw d.invalid('a RegExp tag needs [source, flags]', at);
      d.open(level, 2);
      // The pattern is compiled, as decoding would, to refuse the same patterns.
      const source = stringOrSkip(d, level + 1);
      const flags = stringOrSkip(d, level + 1);
      if (source === undefined || flags === undefined) {
        throw d.invalid('a RegExp tag needs [str, str]', at);
      }
      buildRegExp(d, source, flags, at);
      return OBJECT;
    }
    case Ext.ERROR: {
      const length = tagArray(d, 'an Error tag');
      if (length !== 3 && length !== 4) throw d.invalid('an Error tag needs 3 or 4 items', at);
      d.open(level, length);
      const name = skipValue(d, level + 1);
      const message = skipValue(d, level + 1);
      if (name !== STRING || message !== STRING) {
        throw d.invalid('an Error tag needs a str name and a str message', at);
      }
      skipValue(d, level + 1);
      if (length === 4) {
        const fields = fieldsHeader(d);
        d.open(level, fields * 2);
        // Field names are read, to refuse the same ones setField refuses.
        const probe = new Error();
        for (let i = 0; i < fields; i++) {
          const keyAt = d.pos;
          setField(probe, d.key(), undefined, keyAt);
          skipValue(d, level + 1);
        }
      }
      return OBJECT;
    }
    default:
      if (d.hooks?.revive === undefined) throw noRevive();
      d.open(level, 1);
      skipValue(d, level + 1);
      return OTHER;
  }
}

function skipItems(d: Decoder, length: number, level: number): number {
  d.open(level, length);
  for (let i = 0; i < length; i++) skipValue(d, level + 1);
  return OBJECT;
}

/** The string at the position, counted; or, for any other value, skips it and says undefined. */
function stringOrSkip(d: Decoder, level: number): string | undefined {
  d.need(1);
  const b = d.bytes[d.pos]!;
  if ((b >= 0xa0 && b < 0xc0) || b === 0xd9 || b === 0xda || b === 0xdb) {
    return d.value(level) as string;
  }
  skipValue(d, level);
  return undefined;
}
