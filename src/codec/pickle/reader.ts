import { CodecError } from '../../errors.js';

/**
 * A cursor over the pickle bytes. Every read checks the remaining length first, so a length
 * field that claims more bytes than the input holds is refused before anything is allocated.
 */
export class Reader {
  private dataView: DataView | undefined;
  pos = 0;

  constructor(readonly bytes: Uint8Array) {}

  /** Made on first use: most small pickles need none, and making one costs more than they do. */
  private get view(): DataView {
    const bytes = this.bytes;
    this.dataView ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.dataView;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** @throws {CodecError} when fewer than `count` bytes remain. */
  need(count: number, what: string): void {
    if (count > this.remaining) {
      throw new CodecError(
        `farcall: pickle is truncated: ${what} needs ${count} bytes, ${this.remaining} left`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const value = this.bytes[this.pos]! | (this.bytes[this.pos + 1]! << 8);
    this.pos += 2;
    return value;
  }

  u32(what: string): number {
    return this.i32(what) >>> 0;
  }

  i32(what: string): number {
    this.need(4, what);
    const b = this.bytes;
    const p = this.pos;
    this.pos += 4;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  }

  /**
   * An unsigned 64-bit length. Any value above the remaining input is refused here, which also
   * keeps it a safe integer.
   */
  length64(what: string): number {
    this.need(8, what);
    const low = this.u32(what);
    const high = this.u32(what);
    // Two 32-bit halves, not a BigInt: this runs for every protocol 4 frame header.
    const value = high * 0x1_0000_0000 + low;
    if (value > this.remaining) {
      const exact = (BigInt(high) << 32n) | BigInt(low);
      throw new CodecError(
        `farcall: pickle is truncated: ${what} claims ${exact} bytes, ${this.remaining} left`,
      );
    }
    return value;
  }

  f64be(what: string): number {
    this.need(8, what);
    const value = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return value;
  }

  /** A view of the next `count` bytes (not a copy); callers copy what they keep. */
  take(count: number, what: string): Uint8Array {
    this.need(count, what);
    const slice = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return slice;
  }

  /** A copy of the next `count` bytes, as a plain `Uint8Array` whatever the input's class. */
  copy(count: number, what: string): Uint8Array {
    const out = new Uint8Array(count);
    out.set(this.take(count, what));
    return out;
  }

  /** The bytes up to the next newline (excluded), for the text opcodes of protocol 0. */
  line(what: string): Uint8Array {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) {
      throw new CodecError(`farcall: pickle is truncated: ${what} has no end of line`);
    }
    const slice = this.bytes.subarray(this.pos, end);
    this.pos = end + 1;
    return slice;
  }
}
