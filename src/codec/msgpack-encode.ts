/**
 * The MessagePack writer: walks a value once, writing into a reused growable buffer, counting
 * items and nesting as the decoder will count them (see msgpack-decode.ts), so a value the
 * encoder accepts is one a peer with the same limits accepts too.
 */
import { CodecError, FarcallError, LimitError } from '../errors.js';
import type { CodecOptions, ValueHooks } from './codec.js';
import {
  writeEntries,
  writeError,
  writeFields,
  writeInstance,
  writeItems,
  writeRegExp,
} from './msgpack-encode-containers.js';
import { Ext, typedArrayKind } from './msgpack-format.js';
import { Kind, kindOf, notCarried, refusal } from './msgpack-kind.js';
import { Output } from './msgpack-output.js';
import { writeBigInt, writeDate, writeTypedArray } from './msgpack-scalars.js';
import { SharedFinder } from './msgpack-shared.js';

/** A shared object once written: its id, and the items it counted (1 while still open). */
interface Written {
  readonly id: number;
  items: number;
  open: boolean;
}

export class Encoder {
  /** The buffer being written; the container writers (msgpack-encode-containers.ts) use it. */
  readonly out = new Output();
  /** Set while an `encode` runs, so a hook that encodes gets an encoder of its own. */
  busy = false;
  private maxDepth = 0;
  private maxLevel = 0;
  private maxItems = 0;
  private items = 0;
  private hooks: ValueHooks | undefined;
  private top: unknown;
  /** With references on: objects that occur more than once, and those already written. */
  private marks: Map<object, boolean> | undefined;
  private written: Map<object, Written> | undefined;

  encode(value: unknown, options: CodecOptions): Uint8Array {
    this.busy = true;
    this.maxDepth = options.maxDepth;
    this.maxLevel = options.maxDepth + (options.envelope ?? 0);
    this.maxItems = options.maxItems;
    this.hooks = options.hooks;
    this.items = 0;
    this.top = value;
    try {
      if (options.references === true) {
        const finder = new SharedFinder(this.maxLevel, this.maxDepth, this.maxItems);
        finder.walk(value, 1);
        this.marks = finder.marks;
        this.written = new Map();
      }
      this.write(value, 1);
      return this.out.take();
    } catch (error) {
      this.out.reset();
      throw encodingFailure(error);
    } finally {
      // Drop every reference to the caller's value: the encoder outlives it.
      this.busy = false;
      this.top = undefined;
      this.hooks = undefined;
      this.marks = undefined;
      this.written = undefined;
    }
  }

  /** Counts one item against `maxItems`. */
  count(): void {
    if (++this.items > this.maxItems) throw this.tooMany();
  }

  private tooMany(): Error {
    return (
      this.cycleError() ??
      new LimitError(`value has more than ${this.maxItems} items (limits.maxItems)`)
    );
  }

  /** A container at `level`: refused past the depth limit. */
  enter(level: number): void {
    if (level > this.maxLevel) {
      throw (
        this.cycleError() ??
        new LimitError(`value nests deeper than ${this.maxDepth} levels (limits.maxDepth)`)
      );
    }
  }

  /** Without references, a cycle shows up as a limit; this tells which it was. */
  private cycleError(): CodecError | undefined {
    if (this.marks !== undefined) return undefined; // with references, a cycle is a pointer
    const finder = new SharedFinder(this.maxLevel, this.maxDepth, this.maxItems, true);
    finder.walk(this.top, 1);
    return finder.cycle
      ? new CodecError('cannot send a cycle: cycles need references: true on both ends')
      : undefined;
  }

  write(value: unknown, level: number): void {
    switch (typeof value) {
      case 'number':
        this.count();
        if (value === 0 && 1 / value < 0) this.out.tag(Ext.NEGATIVE_ZERO);
        else this.out.number(value);
        return;
      case 'string':
        this.count();
        this.out.string(value);
        return;
      case 'object':
        if (value === null) {
          this.count();
          this.out.byte(0xc0);
        } else {
          this.writeObject(value, level);
        }
        return;
      case 'boolean':
        this.count();
        this.out.byte(value ? 0xc3 : 0xc2);
        return;
      case 'undefined':
        this.count();
        this.out.tag(Ext.UNDEFINED);
        return;
      case 'bigint':
        this.count();
        writeBigInt(this.out, value);
        return;
      case 'function':
        this.replaced(value, 'function', level);
        return;
      default:
        throw new CodecError(`cannot send a ${typeof value}`);
    }
  }

  private writeObject(value: object, level: number): void {
    const kind = kindOf(value);
    if (kind >= Kind.PROMISE) {
      if (kind === Kind.REFUSED) throw new CodecError(refusal(value));
      this.replaced(value, kind, level);
    } else if (this.marks?.get(value) === true) {
      this.writeShared(value, kind, level);
    } else {
      this.writeKind(value, kind, level);
    }
  }

  /** An object that occurs more than once: an id before the first time, a pointer after. */
  private writeShared(value: object, kind: Kind, level: number): void {
    const written = this.written!;
    const seen = written.get(value);
    if (seen !== undefined) {
      // A pointer counts what its target counted, as the decoder does, so sharing is no way
      // around the item limit; a pointer into an object still being written counts one.
      this.items += seen.open ? 1 : seen.items;
      if (this.items > this.maxItems) throw this.tooMany();
      this.out.ext4(Ext.POINTER, seen.id);
      return;
    }
    const entry: Written = { id: written.size + 1, items: 1, open: true };
    written.set(value, entry);
    this.out.ext4(Ext.ID, entry.id);
    const before = this.items;
    this.writeKind(value, kind, level);
    entry.items = this.items - before;
    entry.open = false;
  }

  private writeKind(value: object, kind: Kind, level: number): void {
    const out = this.out;
    switch (kind) {
      case Kind.ARRAY: {
        this.enter(level);
        this.count();
        const array = value as unknown[];
        const length = array.length;
        out.arrayHeader(length);
        for (let i = 0; i < length; i++) this.write(array[i], level + 1);
        return;
      }
      case Kind.PLAIN:
        writeFields(this, value, level);
        return;
      case Kind.INSTANCE:
        writeInstance(this, value, level);
        return;
      case Kind.MAP:
        writeEntries(this, value as Map<unknown, unknown>, level);
        return;
      case Kind.SET:
        writeItems(this, value as Set<unknown>, level);
        return;
      case Kind.DATE:
        this.count();
        writeDate(out, value as Date);
        return;
      case Kind.BYTES: {
        this.count();
        const bytes = value as Uint8Array;
        out.binHeader(bytes.length);
        out.raw(bytes);
        return;
      }
      case Kind.TYPED_ARRAY: {
        const typed = value as ArrayBufferView;
        const typedKind = typedArrayKind(typed);
        if (typedKind < 0) throw new CodecError(refusal(typed));
        this.count();
        writeTypedArray(out, typed, typedKind);
        return;
      }
      case Kind.REGEXP:
        writeRegExp(this, value as RegExp, level);
        return;
      case Kind.ERROR:
        writeError(this, value as Error, level);
        return;
    }
  }

  /** A function, stream or promise: the reference tag and what `replace` sends in its place. */
  private replaced(value: unknown, kind: Kind | 'function', level: number): void {
    const hooks = this.hooks;
    const replacement = hooks?.replace === undefined ? undefined : hooks.replace(value);
    if (replacement === undefined) throw new CodecError(notCarried(kind));
    this.enter(level);
    this.count();
    this.out.tag(Ext.REFERENCE);
    this.write(replacement, level + 1);
  }
}

/** Errors out of user code (a getter, a toJSON, a hook) become a CodecError with a cause. */
function encodingFailure(error: unknown): Error {
  if (error instanceof CodecError || error instanceof LimitError) return error;
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new LimitError('value nests too deeply to encode', { cause: error });
  }
  const what = error instanceof FarcallError ? error.message : 'user code threw';
  return new CodecError(`cannot encode value: ${what}`, { cause: error });
}
