/**
 * The decoder works in two passes. The first runs the opcodes and builds a graph of the nodes
 * below; the second (`convert.ts`) turns that graph into JavaScript values. The split exists
 * because a dict's JavaScript shape (plain object or `Map`) depends on all of its keys, which
 * are only known once the stream has finished adding items to it, while other values may
 * already refer to it through the memo.
 *
 * Scalars (null, booleans, numbers, bigints, strings, `Uint8Array`, `PyByteArray`, `Date`,
 * `PyDecimal`) are final values already and appear in the graph as themselves.
 */
import type { GlobalHandler } from './handlers.js';
import { PyByteArray } from './values.js';

/** A Python list under construction. */
export class ListNode {
  constructor(readonly items: unknown[] = []) {}
}

/** A Python tuple. Its items never change once it is built. */
export class TupleNode {
  constructor(readonly items: readonly unknown[]) {}
}

/**
 * A Python dict (or `collections.OrderedDict` when `ordered`). Keys are graph values; a key
 * set twice keeps its last value, as in Python. Only primitive keys (strings, numbers, bigints)
 * compare by value: other keys are distinct objects in any honest pickle.
 */
export class DictNode {
  /**
   * Made on the first item: an empty `Map` costs about 180 bytes, four times the node, and a
   * stream of EMPTY_DICTs (one byte each) would otherwise cost that much per byte.
   */
  private map: Map<unknown, unknown> | undefined;

  constructor(readonly ordered = false) {}

  set(key: unknown, value: unknown): void {
    this.map ??= new Map();
    this.map.set(key, value);
  }

  /** The entries in insertion order (a key set again keeps its first place, as in Python). */
  entries(): Iterable<[unknown, unknown]> {
    return this.map ?? [];
  }

  /** Whether every key is a `str` (true for an empty dict). */
  hasOnlyStringKeys(): boolean {
    for (const key of this.map?.keys() ?? []) {
      if (typeof key !== 'string') {
        return false;
      }
    }
    return true;
  }
}

/**
 * Whether Python could use `value` as a dict key or set member. Lists, dicts, sets and
 * bytearrays cannot be hashed, so CPython fails to load a pickle that uses them so; the
 * decoder refuses the same. (A tuple holding a list is not hashable either; that deeper case is
 * let through, since checking it on every SETITEM could cost more than linear time.)
 */
export function isHashable(value: unknown): boolean {
  const mutable =
    value instanceof ListNode ||
    value instanceof DictNode ||
    (value instanceof SetNode && !value.frozen) ||
    value instanceof PyByteArray;
  return !mutable;
}

/** A Python set, or a frozenset when `frozen`. */
export class SetNode {
  constructor(
    readonly frozen: boolean,
    readonly items: unknown[] = [],
  ) {}
}

/** An exception built by REDUCE of an allowed exception class; BUILD may add its `state`. */
export class ExceptionNode {
  /** The attribute dict set by BUILD, or `undefined` before (and without) one. */
  state: DictNode | undefined;
  /** Whether BUILD has run on it; a second BUILD is refused. */
  built = false;

  constructor(
    readonly name: string,
    readonly args: TupleNode,
  ) {}
}

/**
 * An allowed global (a class or function named by GLOBAL or STACK_GLOBAL) waiting on the
 * stack for the REDUCE that calls it. It is never a value of its own: the converter refuses it.
 */
export class GlobalNode {
  constructor(
    readonly qualifiedName: string,
    readonly handler: GlobalHandler,
  ) {}
}

/**
 * A value that only makes sense as an argument of another allowed call (`timedelta(0)` for
 * `timezone`, `timezone.utc` for `datetime`). The converter refuses it as a value of its own.
 */
export class PartNode {
  constructor(
    readonly qualifiedName: string,
    readonly kind: 'zero-timedelta' | 'utc-timezone',
  ) {}
}
