/**
 * The state of one decoding: the bytes, the position, the budget of items and levels, and the
 * shared-reference table, with the bounds-checked reads that every other part of the decoder
 * uses. Nothing here reads past the end of the input: each read checks first and throws
 * CodecError, so no RangeError from a DataView and no `undefined` byte ever escapes.
 */
import { type CodecError, LimitError } from '../errors.js';
import type { CodecOptions, ValueHooks } from './codec.js';
import { decodeError, describeByte } from './msgpack-format.js';

/** A shared object announced by an id tag: what it decoded to, and the items it counted. */
export interface Ref {
  /** The object; `SKIPPED` when it was stepped over by `skip` and never built. */
  target: unknown;
  /** Items its value counted, once it is closed. */
  items: number;
  /** Still being decoded: a pointer to it closes a cycle and counts one item. */
  open: boolean;
}

/** The target of a reference that `skip` stepped over. */
export const SKIPPED: unique symbol = Symbol('skipped');

export class Input {
  readonly bytes: Uint8Array;
  readonly end: number;
  pos = 0;
  /** Items counted so far against `maxItems`. */
  items = 0;
  readonly maxItems: number;
  readonly maxDepth: number;
  /** Deepest container level allowed: `maxDepth` plus the protocol's envelope levels. */
  readonly maxLevel: number;
  readonly references: boolean;
  readonly hooks: ValueHooks | undefined;
  /** Shared references by id; created on the first id tag. */
  refs: Map<number, Ref> | undefined;
  /** The ref whose object the next container to be created is (set by an id tag). */
  pending: Ref | undefined;
  private view: DataView | undefined;

  constructor(bytes: Uint8Array, options: CodecOptions) {
    // A plain view, so `slice` copies (a Buffer's `slice` would return a view of the frame).
    this.bytes =
      bytes.constructor === Uint8Array
        ? bytes
        : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.length;
    this.maxItems = options.maxItems;
    this.maxDepth = options.maxDepth;
    this.maxLevel = options.maxDepth + (options.envelope ?? 0);
    this.references = options.references === true;
    this.hooks = options.hooks;
  }

  /** Throws unless `n` more bytes are there. */
  need(n: number): void {
    if (n > this.end - this.pos) {
      throw decodeError(`truncated: ${n} more bytes needed, ${this.end - this.pos} left`, this.pos);
    }
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const bytes = this.bytes;
    const pos = this.pos;
    this.pos = pos + 2;
    return (bytes[pos]! << 8) | bytes[pos + 1]!;
  }

  u32(): number {
    this.need(4);
    const pos = this.pos;
    this.pos = pos + 4;
    return uint32(this.bytes, pos);
  }

  /** A DataView over the input, made the first time a float or 64-bit int needs one. */
  dataView(): DataView {
    this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view;
  }

  /** Reads `n` bytes of a fixed-size scalar, returning where they start. */
  take(n: number): number {
    this.need(n);
    const pos = this.pos;
    this.pos = pos + n;
    return pos;
  }

  /** Counts one item. */
  count(): void {
    if (++this.items > this.maxItems) throw this.tooMany();
  }

  /**
   * A container at `level` announced `slots` values (each at least one byte and one item):
   * refuse it at once if it is too deep, cannot fit in the bytes left, or would pass the item
   * limit, before anything is allocated for it.
   */
  open(level: number, slots: number): void {
    if (level > this.maxLevel) {
      throw new LimitError(
        `value nests deeper than ${this.maxDepth} levels (limits.maxDepth) at offset ${this.pos}`,
      );
    }
    if (slots > this.end - this.pos) {
      throw decodeError(
        `truncated: a container announces ${slots} values, ${this.end - this.pos} bytes left`,
        this.pos,
      );
    }
    if (this.items + slots > this.maxItems) throw this.tooMany();
  }

  tooMany(): LimitError {
    return new LimitError(
      `value has more than ${this.maxItems} items (limits.maxItems) at offset ${this.pos}`,
    );
  }

  /** Invalid input at `offset`, described by `what` (never by its content). */
  invalid(what: string, offset = this.pos): CodecError {
    return decodeError(what, offset);
  }

  /** The value starting at `offset` is of the wrong type for where it is. */
  unexpected(expected: string, offset: number): CodecError {
    return this.invalid(`expected ${expected}, found ${describeByte(this.bytes[offset]!)}`, offset);
  }

  /** Remembers the object just created as the target of a pending id tag. */
  track(target: unknown): void {
    const ref = this.pending;
    if (ref !== undefined) {
      ref.target = target;
      this.pending = undefined;
    }
  }
}

/** Whether a value starting with this byte may be a map key: a str, an int or a float. */
export function isKeyByte(b: number): boolean {
  return (
    b < 0x80 ||
    b >= 0xe0 ||
    (b >= 0xa0 && b < 0xc0) ||
    (b >= 0xca && b <= 0xd3) ||
    (b >= 0xd9 && b <= 0xdb)
  );
}

/** A big-endian uint32 at `pos` (the caller checked the bytes are there). */
export function uint32(bytes: Uint8Array, pos: number): number {
  return (
    bytes[pos]! * 0x1000000 + ((bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!)
  );
}
