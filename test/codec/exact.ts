/**
 * What "round-trips exactly" means for the MessagePack codec, as one assertion: same types
 * and prototypes (a Buffer comes back as a plain Uint8Array, a class instance as a plain
 * object), numbers compared with `Object.is` (so -0 and NaN count), Maps and Sets item by item
 * in order, errors by constructor, name, message, cause and own fields. With `sharing`, an
 * object that occurs twice in `expected` must be one object in `actual` too, which also makes
 * the walk finite on cycles; without it, every occurrence is compared as a copy.
 */
import { expect } from 'vitest';

export function expectExact(actual: unknown, expected: unknown, sharing = false): void {
  compare(actual, expected, '$', sharing ? new Map() : undefined);
}

function fail(path: string, what: string): never {
  throw new Error(`at ${path}: ${what}`);
}

/** The prototype a decoded value of this kind has. */
function decodedPrototype(value: object): object | null {
  if (value instanceof Uint8Array) return Uint8Array.prototype;
  if (
    Array.isArray(value) ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof Date ||
    value instanceof RegExp ||
    ArrayBuffer.isView(value)
  ) {
    return Object.getPrototypeOf(value);
  }
  if (value instanceof Error) {
    // The decoder picks the constructor by name alone.
    const standard = [
      Error,
      TypeError,
      RangeError,
      SyntaxError,
      ReferenceError,
      EvalError,
      URIError,
      AggregateError,
    ].find((type) => type.name === value.name);
    return (standard ?? Error).prototype;
  }
  return Object.prototype; // plain objects, class instances
}

function compare(actual: unknown, expected: unknown, path: string, pairs?: Map<object, unknown>) {
  if (typeof expected !== 'object' || expected === null) {
    if (!Object.is(actual, expected)) {
      fail(path, `expected ${describe(expected)}, got ${describe(actual)}`);
    }
    return;
  }
  if (typeof actual !== 'object' || actual === null) {
    fail(path, `expected an object, got ${describe(actual)}`);
  }
  if (pairs !== undefined) {
    if (pairs.has(expected)) {
      if (pairs.get(expected) !== actual) fail(path, 'a shared object arrived as a copy');
      return;
    }
    pairs.set(expected, actual);
  }
  if (Object.getPrototypeOf(actual) !== decodedPrototype(expected)) {
    fail(path, `wrong prototype: ${actual.constructor?.name} for ${expected.constructor?.name}`);
  }
  if (Array.isArray(expected)) {
    const items = actual as unknown[];
    if (items.length !== expected.length)
      fail(path, `length ${items.length}, not ${expected.length}`);
    for (const [i, item] of expected.entries()) compare(items[i], item, `${path}[${i}]`, pairs);
  } else if (expected instanceof Map || expected instanceof Set) {
    const want = [...(expected as Map<unknown, unknown>)];
    const got = [...(actual as Map<unknown, unknown>)];
    if (got.length !== want.length) fail(path, `size ${got.length}, not ${want.length}`);
    for (const [i, entry] of want.entries()) compare(got[i], entry, `${path}<${i}>`, pairs);
  } else if (expected instanceof Date) {
    compare((actual as Date).getTime(), expected.getTime(), `${path}.getTime()`);
  } else if (expected instanceof RegExp) {
    expect([(actual as RegExp).source, (actual as RegExp).flags]).toEqual([
      expected.source,
      expected.flags,
    ]);
  } else if (ArrayBuffer.isView(expected)) {
    const bytes = (view: ArrayBufferView) =>
      [...new Uint8Array(view.buffer, view.byteOffset, view.byteLength)].join();
    if (bytes(actual as ArrayBufferView) !== bytes(expected)) fail(path, 'different bytes');
  } else if (expected instanceof Error) {
    const error = actual as Error;
    compare(error.name, expected.name, `${path}.name`);
    compare(error.message, expected.message, `${path}.message`);
    // An undefined cause and none are one thing on the wire: `[name, message, undefined]`.
    const hasCause = (e: Error) => 'cause' in e && e.cause !== undefined;
    compare(hasCause(error), hasCause(expected), `${path} has cause`);
    compare(error.cause, expected.cause, `${path}.cause`, pairs);
    compareFields(error, expected, path, pairs, ['name', 'message', 'stack', 'cause']);
    if (expected instanceof AggregateError) {
      compare((error as AggregateError).errors, expected.errors, `${path}.errors`, pairs);
    }
  } else {
    compareFields(actual, expected, path, pairs, []);
  }
}

function compareFields(
  actual: object,
  expected: object,
  path: string,
  pairs: Map<object, unknown> | undefined,
  skip: string[],
) {
  const keys = (value: object) => Object.keys(value).filter((key) => !skip.includes(key));
  expect(keys(actual), `keys at ${path}`).toEqual(keys(expected));
  for (const key of keys(expected)) {
    compare(
      (actual as Record<string, unknown>)[key],
      (expected as Record<string, unknown>)[key],
      `${path}.${key}`,
      pairs,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return String(value);
}
