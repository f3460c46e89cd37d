/**
 * Opcodes that build containers: tuples, lists, dicts, sets and frozensets. Mutating opcodes
 * (APPEND, SETITEM, ADDITEMS, …) accept only the matching container node; CPython would call
 * an `append`/`__setitem__`/`add` method on anything, which is exactly what must not happen.
 */
import { CodecError } from '../../errors.js';
import type { Machine } from './machine.js';
import { DictNode, isHashable, ListNode, SetNode, TupleNode } from './nodes.js';
import { OP } from './opcodes.js';
import type { OpTable } from './ops-table.js';

/** @throws {CodecError} for a dict key or set member Python could not hash. */
export function assertHashable(value: unknown, what: string): void {
  if (!isHashable(value)) {
    throw new CodecError(`farcall: pickle ${what} uses an unhashable value as a key or member`);
  }
}

// No opcode here charges `maxItems` for the items it moves into a container: each was charged
// when it was pushed, and a container only ever holds values popped off the stack.

function tuple(m: Machine, items: unknown[]): void {
  m.push(new TupleNode(items));
}

function tupleN(m: Machine, count: number, what: string): void {
  const items = new Array<unknown>(count);
  for (let i = count - 1; i >= 0; i--) {
    items[i] = m.pop(what);
  }
  tuple(m, items);
}

function listFrom(m: Machine, items: unknown[]): void {
  m.push(new ListNode(items));
}

/** Appends one by one: a spread of a huge array would overflow the call stack. */
function appendAll(target: unknown[], items: readonly unknown[]): void {
  for (const item of items) {
    target.push(item);
  }
}

function listTarget(m: Machine, what: string): ListNode {
  const target = m.top(what);
  if (!(target instanceof ListNode)) {
    throw new CodecError(`farcall: pickle ${what} on a value that is not a list`);
  }
  return target;
}

function append(m: Machine): void {
  const value = m.pop('APPEND');
  listTarget(m, 'APPEND').items.push(value);
}

function appends(m: Machine): void {
  const items = m.popMark('APPENDS');
  appendAll(listTarget(m, 'APPENDS').items, items);
}

function setPairs(dict: DictNode, items: readonly unknown[], what: string): void {
  if (items.length % 2 !== 0) {
    throw new CodecError(`farcall: pickle ${what} has a key without a value`);
  }
  for (let i = 0; i < items.length; i += 2) {
    assertHashable(items[i], what);
    dict.set(items[i], items[i + 1]);
  }
}

function dictTarget(m: Machine, what: string): DictNode {
  const target = m.top(what);
  if (!(target instanceof DictNode)) {
    throw new CodecError(`farcall: pickle ${what} on a value that is not a dict`);
  }
  return target;
}

function setItem(m: Machine): void {
  const value = m.pop('SETITEM');
  const key = m.pop('SETITEM');
  setPairs(dictTarget(m, 'SETITEM'), [key, value], 'SETITEM');
}

function setItems(m: Machine): void {
  const items = m.popMark('SETITEMS');
  setPairs(dictTarget(m, 'SETITEMS'), items, 'SETITEMS');
}

function dictFrom(m: Machine): void {
  const items = m.popMark('DICT');
  const dict = new DictNode();
  setPairs(dict, items, 'DICT');
  m.push(dict);
}

function addItems(m: Machine): void {
  const items = m.popMark('ADDITEMS');
  const target = m.top('ADDITEMS');
  if (!(target instanceof SetNode) || target.frozen) {
    throw new CodecError('farcall: pickle ADDITEMS on a value that is not a set');
  }
  for (const item of items) {
    assertHashable(item, 'ADDITEMS');
    target.items.push(item);
  }
}

function frozenSet(m: Machine): void {
  const items = m.popMark('FROZENSET');
  for (const item of items) {
    assertHashable(item, 'FROZENSET');
  }
  m.push(new SetNode(true, items));
}

/** The table entries for every container opcode. */
export function containerOps(): OpTable {
  return [
    [OP.EMPTY_TUPLE, (m) => tuple(m, [])],
    [OP.TUPLE, (m) => tuple(m, m.popMark('TUPLE'))],
    [OP.TUPLE1, (m) => tupleN(m, 1, 'TUPLE1')],
    [OP.TUPLE2, (m) => tupleN(m, 2, 'TUPLE2')],
    [OP.TUPLE3, (m) => tupleN(m, 3, 'TUPLE3')],
    [OP.EMPTY_LIST, (m) => m.push(new ListNode())],
    [OP.LIST, (m) => listFrom(m, m.popMark('LIST'))],
    [OP.APPEND, append],
    [OP.APPENDS, appends],
    [OP.EMPTY_DICT, (m) => m.push(new DictNode())],
    [OP.DICT, dictFrom],
    [OP.SETITEM, setItem],
    [OP.SETITEMS, setItems],
    [OP.EMPTY_SET, (m) => m.push(new SetNode(false))],
    [OP.ADDITEMS, addItems],
    [OP.FROZENSET, frozenSet],
  ];
}
