/**
 * Writing containers: lists, tuples (frozen arrays), dicts (plain objects and Maps), sets and
 * frozensets, in the shapes CPython writes them. Items go in batches of 1000, like CPython.
 */
import { CodecError } from '../../errors.js';
import { OP } from './opcodes.js';
import type { Pickler } from './pickler.js';
import { PyByteArray, PyFrozenSet } from './values.js';

const BATCH = 1000;

/**
 * Writes `items` onto the container on top of the stack: `single` after a lone item (when the
 * container has such an opcode; ADDITEMS has none), else MARK, the items, `multiple`.
 */
function batched(
  p: Pickler,
  items: readonly unknown[],
  single: number | undefined,
  multiple: number,
): void {
  for (let start = 0; start < items.length; start += BATCH) {
    const batch = items.slice(start, start + BATCH);
    if (batch.length === 1 && single !== undefined) {
      p.save(batch[0]);
      p.out.u8(single);
      continue;
    }
    p.out.u8(OP.MARK);
    for (const item of batch) {
      p.save(item);
    }
    p.out.u8(multiple);
  }
}

export function saveList(p: Pickler, list: readonly unknown[]): void {
  p.out.u8(OP.EMPTY_LIST);
  p.memoize(list);
  p.withMutable(() => batched(p, list, OP.APPEND, OP.APPENDS));
}

/**
 * A tuple, as CPython's `save_tuple`: TUPLE1-3 for short ones, MARK … TUPLE otherwise. When
 * writing the items memoized the tuple itself (a cycle through a list), the copy just built
 * is dropped and the memoized one fetched instead.
 */
export function saveTuple(p: Pickler, tuple: readonly unknown[]): void {
  if (tuple.length === 0) {
    p.out.u8(OP.EMPTY_TUPLE);
    return;
  }
  p.withImmutable(tuple, 'tuple', () => {
    const short = tuple.length <= 3;
    if (!short) {
      p.out.u8(OP.MARK);
    }
    for (const item of tuple) {
      p.save(item);
    }
    if (p.isMemoized(tuple)) {
      if (short) {
        p.out.bytes(new Uint8Array(tuple.length).fill(OP.POP));
      } else {
        p.out.u8(OP.POP_MARK);
      }
      p.writeGetOf(tuple);
      return;
    }
    p.out.u8(short ? [OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][tuple.length - 1]! : OP.TUPLE);
    p.memoize(tuple);
  });
}

/** A dict from a `Map` or a plain object's own enumerable string keys. */
export function saveDict(
  p: Pickler,
  dict: object,
  entries: ReadonlyArray<readonly [unknown, unknown]>,
): void {
  p.out.u8(OP.EMPTY_DICT);
  p.memoize(dict);
  const flat: unknown[] = [];
  for (const [key, value] of entries) {
    assertHashable(p, key, 'dict key');
    flat.push(key, value);
  }
  p.withMutable(() => {
    for (let start = 0; start < flat.length; start += 2 * BATCH) {
      const batch = flat.slice(start, start + 2 * BATCH);
      if (batch.length > 2) {
        p.out.u8(OP.MARK);
      }
      for (const item of batch) {
        p.save(item);
      }
      p.out.u8(batch.length > 2 ? OP.SETITEMS : OP.SETITEM);
    }
  });
}

/**
 * A set or frozenset. Protocol 4 has EMPTY_SET/ADDITEMS and FROZENSET; before it CPython
 * writes `set(list)` or `frozenset(list)` as a call, which is memoized after its items.
 */
export function saveSet(p: Pickler, set: ReadonlySet<unknown>): void {
  const frozen = set instanceof PyFrozenSet;
  const items = [...set];
  for (const item of items) {
    assertHashable(p, item, frozen ? 'frozenset member' : 'set member');
  }
  if (p.protocol >= 4 && !frozen) {
    p.out.u8(OP.EMPTY_SET);
    p.memoize(set);
    p.withMutable(() => batched(p, items, undefined, OP.ADDITEMS));
    return;
  }
  p.withImmutable(set, frozen ? 'frozenset' : 'set', () => {
    if (p.protocol >= 4) {
      p.out.u8(OP.MARK);
      for (const item of items) {
        p.save(item);
      }
    } else {
      p.writeGlobal('builtins', frozen ? 'frozenset' : 'set');
      p.out.u8(OP.EMPTY_LIST);
      batched(p, items, OP.APPEND, OP.APPENDS);
      p.out.u8(OP.TUPLE1);
    }
    dropIfMemoized(p, set, p.protocol >= 4 ? OP.FROZENSET : OP.REDUCE);
  });
}

/**
 * Ends a value memoized after its parts with `finalOp` (REDUCE, or protocol 4's FROZENSET),
 * unless writing the parts memoized it already (a cycle through a list): then, as CPython
 * does, the new copy is thrown away and the memoized one fetched.
 */
export function dropIfMemoized(p: Pickler, value: object, finalOp: number): void {
  if (!p.isMemoized(value)) {
    p.out.u8(finalOp);
    p.memoize(value);
    return;
  }
  if (finalOp === OP.FROZENSET) {
    // The members are still above the MARK: drop them with it.
    p.out.u8(OP.POP_MARK);
  } else {
    p.out.u8(finalOp);
    p.out.u8(OP.POP);
  }
  p.writeGetOf(value);
}

/**
 * @throws {CodecError} for a dict key or set member Python cannot hash: a list, dict, set or
 *   bytearray, also inside a tuple or frozenset.
 *
 * Tuples and frozensets found hashable are remembered for the whole encode, so the check walks
 * each of them once however many keys share them; it keeps its own stack, not the call stack.
 */
export function assertHashable(p: Pickler, value: unknown, what: string): void {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null || p.isKnownHashable(item)) {
      continue;
    }
    if ((Array.isArray(item) && Object.isFrozen(item)) || item instanceof PyFrozenSet) {
      p.markHashable(item);
      for (const member of item as Iterable<unknown>) {
        pending.push(member);
      }
      continue;
    }
    const unhashable =
      Array.isArray(item) ||
      item instanceof Set ||
      item instanceof Map ||
      item instanceof PyByteArray ||
      Object.getPrototypeOf(item) === Object.prototype ||
      Object.getPrototypeOf(item) === null;
    if (unhashable) {
      throw new CodecError(
        `farcall: pickle ${what} must be hashable in Python (got a mutable container)`,
      );
    }
  }
}
