/**
 * Matching decoded values against the tagged descriptions `test/python/pickle_vectors.py`
 * prints. `mismatch` returns undefined when the value is exactly what the description says
 * (type, value, tuple frozenness, -0 and NaN, sharing), else the first difference.
 */
import { PyByteArray, PyDecimal, PyException, PyFrozenSet } from '../../src/codec/pickle/index.js';

export type Description =
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'int' | 'float' | 'str' | 'decimal'; v: string }
  | { t: 'bytes' | 'bytearray'; hex: string }
  | { t: 'tuple' | 'list' | 'set' | 'frozenset'; id: number; items: Description[] }
  | { t: 'dict' | 'ordereddict'; id: number; entries: [Description, Description][] }
  | { t: 'exception'; id: number; name: string; args: Description[]; state?: Description }
  | { t: 'datetime' | 'date'; ms: number }
  | { t: 'ref'; id: number };

type Ids = Map<number, unknown>;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function expectedNumber(text: string): number {
  const special: Record<string, number> = { inf: Infinity, '-inf': -Infinity, nan: Number.NaN };
  return special[text] ?? Number(text);
}

function scalarMismatch(d: Description, actual: unknown, path: string): string | undefined {
  const fail = (what: string) => `${path}: expected ${what}, got ${String(actual)}`;
  switch (d.t) {
    case 'none':
      return actual === null ? undefined : fail('null');
    case 'bool':
      return actual === d.v ? undefined : fail(String(d.v));
    case 'int': {
      const big = BigInt(d.v);
      const safe = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
      return actual === (safe ? Number(big) : big) ? undefined : fail(`int ${d.v}`);
    }
    case 'float':
      return Object.is(actual, expectedNumber(d.v)) ? undefined : fail(`float ${d.v}`);
    case 'str':
      return actual === d.v ? undefined : fail(JSON.stringify(d.v));
    case 'decimal':
      return actual instanceof PyDecimal && actual.value === d.v
        ? undefined
        : fail(`Decimal ${d.v}`);
    case 'bytes':
    case 'bytearray': {
      const isByteArray = actual instanceof PyByteArray;
      const ok = actual instanceof Uint8Array && isByteArray === (d.t === 'bytearray');
      return ok && hex(actual) === d.hex ? undefined : fail(`${d.t} ${d.hex}`);
    }
    case 'datetime':
    case 'date':
      return actual instanceof Date && actual.getTime() === d.ms ? undefined : fail(`Date ${d.ms}`);
    default:
      return `${path}: not a scalar description`;
  }
}

function itemsMismatch(
  items: Description[],
  actual: readonly unknown[],
  ids: Ids,
  path: string,
): string | undefined {
  if (items.length !== actual.length) {
    return `${path}: expected ${items.length} items, got ${actual.length}`;
  }
  for (let i = 0; i < items.length; i++) {
    const problem = mismatch(items[i]!, actual[i], ids, `${path}[${i}]`);
    if (problem !== undefined) {
      return problem;
    }
  }
  return undefined;
}

/** The JavaScript value of a plain scalar description, to look it up in a Set or Map. */
function keyValue(d: Description): { value: unknown } | undefined {
  switch (d.t) {
    case 'none':
      return { value: null };
    case 'bool':
      return { value: d.v };
    case 'str':
      return { value: d.v };
    case 'int': {
      const big = BigInt(d.v);
      const safe = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
      return { value: safe ? Number(big) : big };
    }
    default:
      return undefined;
  }
}

/** Finds, for each expected member, an actual member that matches it (order-free). */
function unorderedMismatch(
  items: Description[],
  actual: unknown[],
  ids: Ids,
  path: string,
): string | undefined {
  if (items.length !== actual.length) {
    return `${path}: expected ${items.length} members, got ${actual.length}`;
  }
  for (const item of items) {
    if (!actual.some((candidate) => mismatch(item, candidate, new Map(ids), path) === undefined)) {
      return `${path}: no member matches ${JSON.stringify(item)}`;
    }
  }
  return undefined;
}

function dictMismatch(
  d: Extract<Description, { t: 'dict' | 'ordereddict' }>,
  actual: unknown,
  ids: Ids,
  path: string,
): string | undefined {
  const stringKeys = d.t === 'dict' && d.entries.every(([key]) => key.t === 'str');
  if (stringKeys) {
    const plain =
      typeof actual === 'object' &&
      actual !== null &&
      Object.getPrototypeOf(actual) === Object.prototype;
    if (!plain) {
      return `${path}: expected a plain object`;
    }
    const keys = Object.getOwnPropertyNames(actual).sort();
    const expectedKeys = d.entries.map(([key]) => (key as { v: string }).v).sort();
    if (JSON.stringify(keys) !== JSON.stringify(expectedKeys)) {
      return `${path}: keys ${JSON.stringify(keys)} != ${JSON.stringify(expectedKeys)}`;
    }
    const values = d.entries.map(
      ([key]) => Object.getOwnPropertyDescriptor(actual, (key as { v: string }).v)!.value,
    );
    return itemsMismatch(
      d.entries.map(([, value]) => value),
      values,
      ids,
      path,
    );
  }
  if (!(actual instanceof Map)) {
    return `${path}: expected a Map`;
  }
  if (d.t === 'ordereddict') {
    const flat = [...actual].flat();
    return itemsMismatch(d.entries.flat(), flat, ids, path);
  }
  if (d.entries.every(([key]) => keyValue(key) !== undefined)) {
    // Scalar keys: look each one up instead of matching every pair against every other.
    if (actual.size !== d.entries.length) {
      return `${path}: expected ${d.entries.length} entries, got ${actual.size}`;
    }
    const values = d.entries.map(([key]) => actual.get(keyValue(key)!.value));
    return itemsMismatch(
      d.entries.map(([, value]) => value),
      values,
      ids,
      path,
    );
  }
  const pairs = [...actual].map((pair) => Object.freeze(pair));
  const expected: Description[] = d.entries.map(([key, value]) => ({
    t: 'tuple',
    id: -1,
    items: [key, value],
  }));
  return unorderedMismatch(expected, pairs, ids, path);
}

/** The first difference between the description and the value, or undefined when none. */
export function mismatch(
  d: Description,
  actual: unknown,
  ids: Ids,
  path = 'value',
): string | undefined {
  if (d.t === 'ref') {
    return ids.get(d.id) === actual ? undefined : `${path}: expected the same object as #${d.id}`;
  }
  if (!('id' in d)) {
    return scalarMismatch(d, actual, path);
  }
  ids.set(d.id, actual);
  switch (d.t) {
    case 'tuple':
    case 'list': {
      const ok = Array.isArray(actual) && Object.isFrozen(actual) === (d.t === 'tuple');
      return ok ? itemsMismatch(d.items, actual, ids, path) : `${path}: expected a ${d.t}`;
    }
    case 'set':
    case 'frozenset': {
      const ok = actual instanceof Set && actual instanceof PyFrozenSet === (d.t === 'frozenset');
      if (!ok) {
        return `${path}: expected a ${d.t}`;
      }
      // Members that are plain scalars are looked up directly; the rest are matched pairwise.
      const keys = d.items.map(keyValue);
      if (keys.every((key) => key !== undefined)) {
        const found = keys.every((key) => actual.has(key!.value));
        return found && actual.size === keys.length ? undefined : `${path}: members differ`;
      }
      return unorderedMismatch(d.items, [...actual], ids, path);
    }
    case 'dict':
    case 'ordereddict':
      return dictMismatch(d, actual, ids, path);
    case 'exception': {
      const ok =
        actual instanceof PyException && actual.name === d.name && actual.module === 'builtins';
      if (!ok || !Object.isFrozen(actual.args)) {
        return `${path}: expected ${d.name} exception`;
      }
      const problem = itemsMismatch(d.args, actual.args, ids, `${path}.args`);
      if (problem !== undefined || d.state === undefined) {
        return problem ?? (actual.state === undefined ? undefined : `${path}: unexpected state`);
      }
      return mismatch(d.state, actual.state, ids, `${path}.state`);
    }
  }
}
