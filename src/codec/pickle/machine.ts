/**
 * The state of one decode: the input cursor, the stack, the mark stack, the memo and the
 * limits. The opcode handlers in `ops-*.ts` act on it.
 */
import { CodecError, LimitError } from '../../errors.js';
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
  /** Values pushed, memo slots and copied items so far; see `chargeItems`. */
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

  /**
   * Pushes `value`, charging it against `maxItems`. Every opcode that makes a value pushes it
   * here (a memo GET and DUP too: each pushes a reference that a container may then hold), so
   * no stream can allocate more than `maxItems` values, whatever they are.
   *
   * @throws {LimitError} past `maxItems`.
   */
  push(value: unknown): void {
    if (++this.items > this.limits.maxItems) {
      this.overItems();
    }
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

  /**
   * Opens a MARK: a new stack, charged against `maxItems` like a value.
   *
   * @throws {LimitError} when more marks than the depth limit allows are open, or past
   *   `maxItems`.
   */
  mark(): void {
    if (this.marks.length >= this.maxMarks) {
      throw new LimitError(
        `farcall: pickle nests deeper than ${this.limits.maxDepth} levels (limits.maxDepth): too many MARKs open`,
      );
    }
    this.chargeItems(1);
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

  /**
   * Counts `count` more items against `maxItems`: besides pushes and MARKs, each new memo slot
   * and each item a call copies (`set(list)`, `OrderedDict(pairs)`).
   *
   * @throws {LimitError} past `maxItems` in total.
   */
  chargeItems(count: number): void {
    this.items += count;
    if (this.items > this.limits.maxItems) {
      this.overItems();
    }
  }

  private overItems(): never {
    throw new LimitError(
      `farcall: pickle holds more than ${this.limits.maxItems} values (limits.maxItems)`,
    );
  }

  /** @throws {LimitError} when calls have copied more than twice the input's size. */
  chargeBytes(count: number): void {
    this.copiedBytes += count;
    if (this.copiedBytes > this.maxCopiedBytes) {
      throw new LimitError('farcall: pickle copies more bytes than twice its size allows');
    }
  }

  /**
   * Stores the top of the stack in the memo, charging a new slot against `maxItems`.
   *
   * @throws {LimitError} past `maxItems`; {CodecError} on an empty stack.
   */
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

  /**
   * Pushes a value again (a memo GET, DUP). A big int pushed again is charged its size against
   * the copy budget: an int has no identity, so the encoder writes it out at each use (as
   * CPython does; CPython never memoizes one, nor uses DUP), and an echo of a 1 MiB int fetched
   * a million times would otherwise answer a terabyte.
   *
   * @throws {LimitError} past `maxItems` or the copy budget.
   */
  pushAgain(value: unknown): void {
    if (typeof value === 'bigint' && (value >= BIG_INT || value <= -BIG_INT)) {
      this.chargeBytes(((value < 0n ? -value : value).toString(16).length + 1) >> 1);
    }
    this.push(value);
  }
}

/** Ints from here on take more than 8 bytes in a pickle; smaller ones cost what a GET does. */
const BIG_INT = 1n << 64n;
