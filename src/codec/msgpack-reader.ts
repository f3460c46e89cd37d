import { CodecError, LimitError } from '../errors.js';
import type { CodecOptions } from './codec.js';
import { Decoder } from './msgpack-decode.js';
import { skipValue } from './msgpack-skip.js';

/**
 * Reads one MessagePack message piece by piece, header first, so a protocol can look at a
 * message's type and id before deciding to build its body (Go's net/rpc: a late answer is
 * dropped undecoded). `value()` builds the next value, `skip()` steps over it, both under one
 * budget of items and depth for the whole message, with the checks `decodeMsgpack` makes.
 *
 * ```ts
 * const reader = new MsgpackReader(frame, options);
 * const length = reader.arrayHeader(); // [type, id, value]
 * const type = reader.int();
 * const id = reader.int();
 * const value = wanted(id) ? reader.value() : reader.skip();
 * reader.end();                         // nothing may follow
 * ```
 *
 * Every method throws CodecError (not what was expected there, invalid or truncated input) or
 * LimitError (depth, items), and nothing else; after a throw the reader is spent. A reader is
 * for one thread of use: it is not safe to interleave two callers on it.
 */
export class MsgpackReader {
  private readonly decoder: Decoder;
  /**
   * Values still expected by each array entered with `arrayHeader`, innermost last: an array
   * whose last value was read is left, so a batch of many messages stays one level deep.
   */
  private readonly remaining: number[] = [];

  private get level(): number {
    return this.remaining.length;
  }

  /** One value was read: it fills a slot, which may complete arrays up the stack. */
  private filled(): void {
    const stack = this.remaining;
    while (stack.length > 0) {
      const top = stack.length - 1;
      if (--stack[top]! > 0) return;
      stack.pop();
    }
  }

  constructor(bytes: Uint8Array, options: CodecOptions) {
    this.decoder = new Decoder(bytes, options);
  }

  /** Bytes read so far. */
  get offset(): number {
    return this.decoder.pos;
  }

  /** Items counted so far against `maxItems` (values, map keys, through references). */
  get items(): number {
    return this.decoder.items;
  }

  /**
   * Enters an array and returns its length; the values after it are read one by one (`int`,
   * `string`, `value`, `skip`), and count one level deeper. The array counts one item, and
   * is refused at once, as `decodeMsgpack` would refuse it, if its length cannot fit.
   */
  arrayHeader(): number {
    const d = this.decoder;
    try {
      const at = d.pos;
      d.count();
      d.need(1);
      const b = d.u8();
      let length: number;
      if (b >= 0x90 && b < 0xa0) length = b & 0x0f;
      else if (b === 0xdc) length = d.u16();
      else if (b === 0xdd) length = d.u32();
      else throw d.unexpected('an array', at);
      d.open(this.level + 1, length);
      if (length === 0) this.filled();
      else this.remaining.push(length);
      return length;
    } catch (error) {
      throw decodingFailure(error);
    }
  }

  /** The next value, which must be an integer in the safe range of a number. */
  int(): number {
    const d = this.decoder;
    const at = d.pos;
    d.need(1);
    const b = d.bytes[at]!;
    if (!(b < 0x80 || b >= 0xe0 || (b >= 0xcc && b <= 0xd3))) throw d.unexpected('an int', at);
    const value = this.value();
    if (typeof value === 'bigint') {
      if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
        return Number(value);
      }
      throw d.invalid('integer is outside the safe range of a number', at);
    }
    return value as number;
  }

  /** The next value, which must be a str. */
  string(): string {
    const d = this.decoder;
    const at = d.pos;
    d.need(1);
    const b = d.bytes[at]!;
    if (!((b >= 0xa0 && b < 0xc0) || (b >= 0xd9 && b <= 0xdb))) throw d.unexpected('a str', at);
    return this.value() as string;
  }

  /** Builds the next value. */
  value(): unknown {
    try {
      const value = this.decoder.value(this.level + 1);
      this.filled();
      return value;
    } catch (error) {
      throw decodingFailure(error);
    }
  }

  /**
   * Steps over the next value without building it, validating and counting it as `value`
   * would (a later pointer into it, with references on, is a CodecError).
   */
  skip(): void {
    try {
      skipValue(this.decoder, this.level + 1);
      this.filled();
    } catch (error) {
      throw decodingFailure(error);
    }
  }

  /** Whether every byte has been read. */
  done(): boolean {
    return this.decoder.pos === this.decoder.end;
  }

  /** Throws CodecError if bytes are left after what was read. */
  end(): void {
    const d = this.decoder;
    if (d.pos !== d.end) {
      throw d.invalid(`${d.end - d.pos} bytes after the value`);
    }
  }
}

/**
 * What the decoder throws, as the codec promises: its own CodecError and LimitError as they
 * are; an error from a `revive` hook as a CodecError with that cause; a stack overflow (only a
 * `maxDepth` in the thousands allows one) as a LimitError.
 */
export function decodingFailure(error: unknown): Error {
  if (error instanceof CodecError || error instanceof LimitError) return error;
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new LimitError('value nests too deeply to decode', { cause: error });
  }
  return new CodecError('cannot decode MessagePack: a value hook threw', { cause: error });
}
