/**
 * The encoder's state: the output, the memo, and the bookkeeping that refuses values Python
 * could never rebuild. Containers are written by `encode-containers.ts`, Python-specific
 * classes by `encode-objects.ts`; this file holds the scalars and the shared machinery.
 */
import { CodecError, LimitError } from '../../errors.js';
import { encodeLong } from './ints.js';
import { OP } from './opcodes.js';
import { StringMemo } from './string-memo.js';
import { decodeLatin1, encodeUtf8 } from './text.js';
import { Writer } from './writer.js';

export type Protocol = 2 | 3 | 4;

/** Deeper values are refused: CPython's own pickler stops near 1000 levels too. */
const MAX_ENCODE_DEPTH = 1000;
const U32_MAX = 0xffff_ffff;

/**
 * Everything written once is memoized and written again as a GET, as CPython's pickler does:
 * objects by identity, strings by value (they have no identity in JavaScript), globals by
 * name. So the size of the output is linear in the value as a graph, never in its expansion
 * as a tree, and a value is walked once however often it is reached.
 */
export class Pickler {
  readonly out = new Writer();
  private readonly memo = new Map<object, number>();
  private readonly strings = new StringMemo();
  /** Made on first use, like the set below: a small call needs neither. */
  private globals: Map<string, number> | undefined;
  private memoSize = 0;
  /** Dict keys and set members already checked hashable, so that each is walked once. */
  private hashable: Set<object> | undefined;
  /** Depth at which each value memoized only after its children is being written. */
  private readonly open = new Map<object, number[]>();
  /** Depths of the containers being written that are memoized before their children. */
  private readonly mutableDepths: number[] = [];
  private depth = 0;

  constructor(
    readonly protocol: Protocol,
    /** Writes any value; set by `encode.ts`, which knows every type. */
    private readonly saveValue: (pickler: Pickler, value: unknown) => void,
  ) {}

  /** Writes `value`, or a memo reference when this object was written before. */
  save(value: unknown): void {
    if (typeof value === 'object' && value !== null) {
      const index = this.memo.get(value);
      if (index !== undefined) {
        this.writeGet(index);
        return;
      }
    }
    this.depth++;
    if (this.depth > MAX_ENCODE_DEPTH) {
      throw new LimitError(
        `farcall: pickle cannot encode values nested over ${MAX_ENCODE_DEPTH} deep`,
      );
    }
    this.saveValue(this, value);
    this.depth--;
  }

  /** Whether `value` (a tuple or frozenset) was found hashable earlier in this encode. */
  isKnownHashable(value: object): boolean {
    return this.hashable?.has(value) === true;
  }

  markHashable(value: object): void {
    this.hashable ??= new Set();
    this.hashable.add(value);
  }

  isMemoized(value: object): boolean {
    return this.memo.has(value);
  }

  /** Records the value on top of the unpickler's stack in the memo. */
  memoize(value: object): void {
    this.memo.set(value, this.writePut());
  }

  /** Writes MEMOIZE (or BINPUT) for the value on top of the stack; returns its memo index. */
  private writePut(): number {
    const index = this.memoSize++;
    if (this.protocol >= 4) {
      this.out.u8(OP.MEMOIZE);
    } else if (index < 256) {
      this.out.u8(OP.BINPUT);
      this.out.u8(index);
    } else {
      this.out.u8(OP.LONG_BINPUT);
      this.out.u32(index);
    }
    return index;
  }

  /** Pushes the memoized copy of `value` (which must be memoized). */
  writeGetOf(value: object): void {
    this.writeGet(this.memo.get(value)!);
  }

  private writeGet(index: number): void {
    if (index < 256) {
      this.out.u8(OP.BINGET);
      this.out.u8(index);
    } else {
      this.out.u8(OP.LONG_BINGET);
      this.out.u32(index);
    }
  }

  /**
   * Runs `write` for a container memoized before its children (list, dict, protocol 4 set):
   * a cycle through it ends at its memo entry.
   */
  withMutable(write: () => void): void {
    this.mutableDepths.push(this.depth);
    write();
    this.mutableDepths.pop();
  }

  /**
   * Runs `write` for a value memoized only after its children (tuple, frozenset, exception).
   * Meeting it again inside itself is fine when a list or dict sits between (CPython does the
   * same: the inner copy is dropped for the memo entry); without one the cycle never ends.
   *
   * @throws {CodecError} for a value that contains itself through such values only.
   */
  withImmutable(value: object, kind: string, write: () => void): void {
    const entries = this.open.get(value) ?? [];
    const lastMutable = this.mutableDepths.at(-1) ?? -1;
    if (entries.length > 0 && lastMutable < entries.at(-1)!) {
      throw new CodecError(`farcall: pickle cannot encode a ${kind} that contains itself`);
    }
    entries.push(this.depth);
    this.open.set(value, entries);
    write();
    entries.pop();
    if (entries.length === 0) {
      this.open.delete(value);
    }
  }

  saveInt(value: number | bigint): void {
    const small = typeof value === 'number' ? value : Number(value);
    const fits = typeof value === 'number' || (value >= -(2n ** 31n) && value < 2n ** 31n);
    if (fits && small >= 0 && small <= 0xff) {
      this.out.u8(OP.BININT1);
      this.out.u8(small);
    } else if (fits && small >= 0 && small <= 0xffff) {
      this.out.u8(OP.BININT2);
      this.out.u16(small);
    } else if (fits && small >= -(2 ** 31) && small < 2 ** 31) {
      this.out.u8(OP.BININT);
      this.out.i32(small);
    } else {
      const bytes = encodeLong(BigInt(value));
      this.out.u8(bytes.length < 256 ? OP.LONG1 : OP.LONG4);
      if (bytes.length < 256) {
        this.out.u8(bytes.length);
      } else {
        this.out.u32(bytes.length);
      }
      this.out.bytes(bytes);
    }
  }

  saveFloat(value: number): void {
    this.out.u8(OP.BINFLOAT);
    this.out.f64be(value);
  }

  /** A str, memoized by value: the same text again is a GET. */
  saveStr(value: string): void {
    const index = this.strings.get(value);
    if (index !== undefined) {
      this.writeGet(index);
      return;
    }
    this.writeStr(value);
    this.strings.set(value, this.writePut());
  }

  private writeStr(value: string): void {
    const bytes = encodeUtf8(value);
    if (this.protocol >= 4 && bytes.length < 256) {
      this.out.u8(OP.SHORT_BINUNICODE);
      this.out.u8(bytes.length);
    } else if (bytes.length <= U32_MAX) {
      this.out.u8(OP.BINUNICODE);
      this.out.u32(bytes.length);
    } else if (this.protocol >= 4) {
      this.out.u8(OP.BINUNICODE8);
      this.out.u64(bytes.length);
    } else {
      throw new CodecError('farcall: pickle protocol 2 and 3 cannot encode a str over 4 GiB');
    }
    this.out.bytes(bytes);
  }

  /**
   * Pushes a bytes value holding `data`, without a memo entry. Protocol 2 has no bytes
   * opcodes, so like CPython it writes `_codecs.encode(data as Latin-1 text, 'latin1')`.
   */
  writeBytes(data: Uint8Array): void {
    if (this.protocol < 3) {
      this.writeGlobal('_codecs', 'encode');
      this.saveStr(decodeLatin1(data));
      this.saveStr('latin1');
      this.out.u8(OP.TUPLE2);
      this.out.u8(OP.REDUCE);
      return;
    }
    if (data.length < 256) {
      this.out.u8(OP.SHORT_BINBYTES);
      this.out.u8(data.length);
    } else if (data.length <= U32_MAX) {
      this.out.u8(OP.BINBYTES);
      this.out.u32(data.length);
    } else if (this.protocol >= 4) {
      this.out.u8(OP.BINBYTES8);
      this.out.u64(data.length);
    } else {
      throw new CodecError('farcall: pickle protocol 3 cannot encode bytes over 4 GiB');
    }
    this.out.bytes(data);
  }

  /**
   * Pushes the global `module.name`: GLOBAL below protocol 4, STACK_GLOBAL from 4, memoized
   * by name (the encoder's own constants, never text from a value).
   */
  writeGlobal(module: string, name: string): void {
    const key = `${module}\n${name}`;
    this.globals ??= new Map();
    const index = this.globals.get(key);
    if (index !== undefined) {
      this.writeGet(index);
      return;
    }
    if (this.protocol >= 4) {
      this.saveStr(module);
      this.saveStr(name);
      this.out.u8(OP.STACK_GLOBAL);
    } else {
      this.out.u8(OP.GLOBAL);
      this.out.ascii(`${key}\n`);
    }
    this.globals.set(key, this.writePut());
  }
}
