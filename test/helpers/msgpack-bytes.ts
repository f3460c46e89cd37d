/**
 * MessagePack written and read by hand, for the attacker's side of the hostile tests. It shares
 * nothing with `src/codec`: the codec is what is under attack (and being rewritten), so the bytes
 * an attacker sends, and its reading of what the server answers, must not depend on it.
 *
 * The writer covers what a peer needs to speak the protocol (nil, booleans, numbers, strings,
 * bytes, arrays, string-keyed maps) plus `raw(bytes)`, spliced in as they are, so a test can put
 * hostile bytes anywhere inside an honest envelope. Numbers follow docs/protocol.md: integers in
 * the 32-bit ranges as MessagePack ints, every other number as float64.
 *
 * The reader takes any well-formed MessagePack. Extensions become `Ext` values; the tag
 * extensions of docs/protocol.md (a fixext1 of type 0x65, 0x6d, 0x73, 0x78 or 0x52 with data 00,
 * and the 0x69 id tag) are read with the value they describe, as `Tagged`. It throws a plain
 * `Error` on malformed or truncated input, and refuses nesting past 200 levels, so a hostile
 * server cannot make a test recurse without bound.
 */

/** Bytes to splice into a written value verbatim. */
export class Raw {
  constructor(readonly bytes: Uint8Array) {}
}

/** Marks bytes as already encoded: `pack([1, 7, 'echo', [raw(bomb)]])`. */
export const raw = (bytes: Uint8Array | number[]): Raw =>
  new Raw(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));

/** An extension read off the wire: its type and data. */
export class Ext {
  constructor(
    readonly type: number,
    readonly data: Uint8Array,
  ) {}
}

/** A tag extension and the value that followed it. */
export class Tagged {
  constructor(
    readonly type: number,
    readonly value: unknown,
  ) {}
}

export type Packable =
  | null
  | undefined
  | boolean
  | number
  | string
  | Uint8Array
  | Raw
  | Packable[]
  | { [key: string]: Packable };

/** Header of an array of `length` items. */
export function arrayHeader(length: number): Buffer {
  if (length < 16) return Buffer.from([0x90 | length]);
  if (length < 0x10000) return Buffer.from([0xdc, length >> 8, length & 0xff]);
  const header = Buffer.alloc(5);
  header[0] = 0xdd;
  header.writeUInt32BE(length, 1);
  return header;
}

/** Header of a map of `length` key-value pairs. */
export function mapHeader(length: number): Buffer {
  if (length < 16) return Buffer.from([0x80 | length]);
  if (length < 0x10000) return Buffer.from([0xde, length >> 8, length & 0xff]);
  const header = Buffer.alloc(5);
  header[0] = 0xdf;
  header.writeUInt32BE(length, 1);
  return header;
}

function packNumber(value: number): Buffer {
  if (Number.isInteger(value) && !Object.is(value, -0)) {
    if (value >= 0 && value < 128) return Buffer.from([value]);
    if (value < 0 && value >= -32) return Buffer.from([value & 0xff]);
    if (value >= 0 && value <= 0xffffffff) {
      const out = Buffer.alloc(5);
      out[0] = 0xce;
      out.writeUInt32BE(value, 1);
      return out;
    }
    if (value >= -0x80000000 && value < 0) {
      const out = Buffer.alloc(5);
      out[0] = 0xd2;
      out.writeInt32BE(value, 1);
      return out;
    }
  }
  const out = Buffer.alloc(9);
  out[0] = 0xcb;
  out.writeDoubleBE(value, 1);
  return out;
}

function packString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const n = bytes.length;
  let header: Buffer;
  if (n < 32) header = Buffer.from([0xa0 | n]);
  else if (n < 0x100) header = Buffer.from([0xd9, n]);
  else if (n < 0x10000) header = Buffer.from([0xda, n >> 8, n & 0xff]);
  else {
    header = Buffer.alloc(5);
    header[0] = 0xdb;
    header.writeUInt32BE(n, 1);
  }
  return Buffer.concat([header, bytes]);
}

function packBytes(value: Uint8Array): Buffer {
  const n = value.length;
  let header: Buffer;
  if (n < 0x100) header = Buffer.from([0xc4, n]);
  else if (n < 0x10000) header = Buffer.from([0xc5, n >> 8, n & 0xff]);
  else {
    header = Buffer.alloc(5);
    header[0] = 0xc6;
    header.writeUInt32BE(n, 1);
  }
  return Buffer.concat([header, value]);
}

function packInto(value: Packable, out: Buffer[]): void {
  if (value === null) out.push(Buffer.from([0xc0]));
  else if (value === undefined) out.push(Buffer.from([0xd4, 0x00, 0x00]));
  else if (value === true) out.push(Buffer.from([0xc3]));
  else if (value === false) out.push(Buffer.from([0xc2]));
  else if (typeof value === 'number') out.push(packNumber(value));
  else if (typeof value === 'string') out.push(packString(value));
  else if (value instanceof Raw) out.push(Buffer.from(value.bytes));
  else if (value instanceof Uint8Array) out.push(packBytes(value));
  else if (Array.isArray(value)) {
    out.push(arrayHeader(value.length));
    for (const item of value) packInto(item, out);
  } else {
    const keys = Object.keys(value);
    out.push(mapHeader(keys.length));
    for (const key of keys) {
      out.push(packString(key));
      packInto(value[key], out);
    }
  }
}

/** Encodes a value as MessagePack, by hand. */
export function pack(value: Packable): Buffer {
  const out: Buffer[] = [];
  packInto(value, out);
  return Buffer.concat(out);
}

/** A frame: the 4-byte big-endian length, then the body. */
export function framed(body: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

const TAGS = new Set([0x65, 0x6d, 0x73, 0x78, 0x52]);
const MAX_READ_DEPTH = 200;

class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  done(): boolean {
    return this.pos === this.bytes.length;
  }

  private need(n: number): number {
    if (this.pos + n > this.bytes.length) throw new Error(`truncated MessagePack at ${this.pos}`);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private u8(): number {
    return this.bytes[this.need(1)]!;
  }

  private take(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }

  private str(n: number): string {
    return Buffer.from(this.take(n)).toString('utf8');
  }

  private array(n: number, depth: number): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(this.value(depth + 1));
    return out;
  }

  private map(n: number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = this.value(depth + 1);
      Object.defineProperty(out, String(key), {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  private ext(n: number, depth: number): unknown {
    const type = this.u8();
    const data = this.take(n);
    if (n === 1 && data[0] === 0 && TAGS.has(type)) return new Tagged(type, this.value(depth + 1));
    if (n === 4 && type === 0x69) return new Tagged(type, this.value(depth + 1));
    if (n === 1 && type === 0 && data[0] === 0) return undefined;
    return new Ext(type, data);
  }

  value(depth = 0): unknown {
    if (depth > MAX_READ_DEPTH) throw new Error('MessagePack nests too deep for the test reader');
    const t = this.u8();
    if (t < 0x80) return t;
    if (t < 0x90) return this.map(t & 0x0f, depth);
    if (t < 0xa0) return this.array(t & 0x0f, depth);
    if (t < 0xc0) return this.str(t & 0x1f);
    if (t >= 0xe0) return t - 0x100;
    const v = this.view;
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.take(this.u8());
      case 0xc5:
        return this.take(v.getUint16(this.need(2)));
      case 0xc6:
        return this.take(v.getUint32(this.need(4)));
      case 0xc7:
        return this.ext(this.u8(), depth);
      case 0xc8:
        return this.ext(v.getUint16(this.need(2)), depth);
      case 0xc9:
        return this.ext(v.getUint32(this.need(4)), depth);
      case 0xca:
        return v.getFloat32(this.need(4));
      case 0xcb:
        return v.getFloat64(this.need(8));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return v.getUint16(this.need(2));
      case 0xce:
        return v.getUint32(this.need(4));
      case 0xcf:
        return v.getBigUint64(this.need(8));
      case 0xd0:
        return v.getInt8(this.need(1));
      case 0xd1:
        return v.getInt16(this.need(2));
      case 0xd2:
        return v.getInt32(this.need(4));
      case 0xd3:
        return v.getBigInt64(this.need(8));
      case 0xd4:
        return this.ext(1, depth);
      case 0xd5:
        return this.ext(2, depth);
      case 0xd6:
        return this.ext(4, depth);
      case 0xd7:
        return this.ext(8, depth);
      case 0xd8:
        return this.ext(16, depth);
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(v.getUint16(this.need(2)));
      case 0xdb:
        return this.str(v.getUint32(this.need(4)));
      case 0xdc:
        return this.array(v.getUint16(this.need(2)), depth);
      case 0xdd:
        return this.array(v.getUint32(this.need(4)), depth);
      case 0xde:
        return this.map(v.getUint16(this.need(2)), depth);
      case 0xdf:
        return this.map(v.getUint32(this.need(4)), depth);
      default:
        throw new Error(`byte 0x${t.toString(16)} at ${this.pos - 1} is not MessagePack`);
    }
  }
}

/** Decodes one MessagePack value that fills `bytes` exactly; throws `Error` otherwise. */
export function unpack(bytes: Uint8Array): unknown {
  const reader = new Reader(bytes);
  const value = reader.value();
  if (!reader.done()) throw new Error('trailing bytes after the MessagePack value');
  return value;
}

/** The codec a raw peer uses to speak the protocol without farcall's own codec. */
export const handCodec = {
  encode: (message: unknown): Uint8Array => pack(message as Packable),
  decode: (body: Uint8Array): unknown => unpack(body),
};
