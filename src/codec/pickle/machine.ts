/**
 * The state of one decode: the input cursor, the stack, the mark stack, the memo and the
 * limits. The opcode handlers in `ops-*.ts` act on it.
 */
import { CodecError } from '../../errors.js';
import type { CallContext } from './handlers.js';
import { Reader } from './reader.js';

/** Resolved decoder limits; see `DecodeOptions` in `decode.ts`. */
export interface DecodeLimits {
  maxDepth: number;
  maxItems: number;
}

export class Machine implements CallContext {
  readonly reader: Reader;
  /** The values pushed since the last MARK. */
  stack: unknown[] = [];
  /** The stacks set aside by each open MARK, innermost last. */
  private readonly marks: unknown[][] = [];
  /** Memo slots by index. A `Map`, so a huge index costs one entry, not a huge array. */
  readonly memo = new Map<number, unknown>();
  /** The value STOP returned; set once, when decoding ends. */
  result: { value: unknown } | undefined;
  private items = 0;
  private copiedBytes = 0;
  private readonly maxMarks: number;
  private readonly maxCopiedBytes: number;

  constructor(
    bytes: Uint8Array,
    readonly limits: DecodeLimits,
  ) {
    this.reader = new Reader(bytes);
    // A value within maxDepth never needs more open marks than this: at protocol 0 a tuple
    // holds one mark open per level, and a call (GLOBAL, MARK, args, TUPLE, REDUCE) one more.
    this.maxMarks = 2 * limits.maxDepth + 8;
    // Copies made by calls (bytearray(b), _codecs.encode(s)) are bounded by twice the input:
    // an honest protocol 2 bytearray copies its text twice, hostile memo reuse copies more.
    this.maxCopiedBytes = 2 * bytes.length;
  }

  push(value: unknown): void {
    this.stack.push(value);
  }

  /** @throws {CodecError} when the stack (since the last MARK) is empty. */
  pop(what: string): unknown {
    if (this.stack.length === 0) {
      throw new CodecError(`farcall: pickle stack underflow at ${what}`);
    }
    return this.stack.pop();
  }

  /** @throws {CodecError} when the stack (since the last MARK) is empty. */
  top(what: string): unknown {
    if (this.stack.length === 0) {
      throw new CodecError(`farcall: pickle stack underflow at ${what}`);
    }
    return this.stack[this.stack.length - 1];
  }

  /** @throws {CodecError} when more marks than the depth limit allows are open. */
  mark(): void {
    if (this.marks.length >= this.maxMarks) {
      throw new CodecError(
        `farcall: pickle nests deeper than maxDepth (${this.limits.maxDepth}) allows (too many MARKs)`,
      );
    }
    this.marks.push(this.stack);
    this.stack = [];
  }

  /**
   * Closes the innermost MARK: returns the values pushed since it and restores the stack.
   *
   * @throws {CodecError} when no MARK is open.
   */
  popMark(what: string): unknown[] {
    const outer = this.marks.pop();
    if (outer === undefined) {
      throw new CodecError(`farcall: pickle ${what} without a MARK`);
    }
    const items = this.stack;
    this.stack = outer;
    return items;
  }

  get openMarks(): number {
    return this.marks.length;
  }

  /** @throws {CodecError} past `maxItems` container items and memo entries in total. */
  chargeItems(count: number): void {
    this.items += count;
    if (this.items > this.limits.maxItems) {
      throw new CodecError(
        `farcall: pickle holds more than maxItems (${this.limits.maxItems}) items`,
      );
    }
  }

  /** @throws {CodecError} when calls have copied more than twice the input's size. */
  chargeBytes(count: number): void {
    this.copiedBytes += count;
    if (this.copiedBytes > this.maxCopiedBytes) {
      throw new CodecError('farcall: pickle copies more bytes than its size allows');
    }
  }

  /** Stores the top of the stack in the memo, charging a new slot against `maxItems`. */
  memoPut(index: number, what: string): void {
    if (!this.memo.has(index)) {
      this.chargeItems(1);
    }
    this.memo.set(index, this.top(what));
  }

  /** @throws {CodecError} when the memo has no such slot. */
  memoGet(index: number): unknown {
    if (!this.memo.has(index)) {
      throw new CodecError(`farcall: pickle memo has no entry ${index}`);
    }
    return this.memo.get(index);
  }
}
