/**
 * The encoder's side of the contract: DAGs and cycles with references off and on, values it
 * refuses (never sent as `{}`), value hooks, errors from user code, and limits that match the
 * decoder's, so a sender learns of a refusal before its peer closes the connection.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CodecOptions } from '../../src/codec/codec.js';
import { decodeMsgpack, encodeMsgpack } from '../../src/codec/msgpack.js';
import { CodecError, LimitError } from '../../src/errors.js';
import { graph, value } from './values.js';

const off = { maxDepth: 64, maxItems: 1_000_000 };
const on = { ...off, references: true };
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Each level an array holding the level below twice: 2^depth paths, depth + 1 objects. */
function dag(depth: number): unknown[] {
  let level: unknown[] = [0];
  for (let i = 0; i < depth; i++) level = [level, level];
  return level;
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('shared objects and cycles', () => {
  it('refuses a DAG of depth 50 with references off as a LimitError, without walking it all', () => {
    // Written as a tree it has 2^51 values; the walk stops at the items limit.
    const error = thrown(() => encodeMsgpack(dag(50), off));
    expect(error).toBeInstanceOf(LimitError);
    expect((error as Error).message).toMatch(/more than 1000000 items/);
  });

  it('counts through references with references on, as the decoder does', () => {
    expect(() => encodeMsgpack(dag(50), on)).toThrow(LimitError);
    const big = { ...on, maxItems: Number.MAX_SAFE_INTEGER };
    const bytes = encodeMsgpack(dag(50), big);
    // Each level once: an id, an array header and a pointer, 13 bytes.
    expect(bytes.length).toBeLessThan(51 * 13 + 8);
    let level = decodeMsgpack(bytes, big) as unknown[];
    for (let i = 0; i < 50; i++) {
      expect(level[1]).toBe(level[0]);
      level = level[0] as unknown[];
    }
    expect(level).toEqual([0]);
  });

  it('carries cycles through objects, Maps, Sets and errors with references on', () => {
    const object: Record<string, unknown> = { n: 1 };
    const map = new Map<unknown, unknown>([['object', object]]);
    const set = new Set<unknown>([map]);
    const error = new Error('loop', { cause: set });
    object.error = error;
    map.set(map, map);
    set.add(set);
    const back = decodeMsgpack(encodeMsgpack(object, on), on) as Record<string, unknown>;
    const backError = back.error as Error;
    const backSet = backError.cause as Set<unknown>;
    const [backMap] = backSet as Set<Map<unknown, unknown>>;
    expect(backSet.has(backSet)).toBe(true);
    expect(backMap!.get('object')).toBe(back);
    expect(backMap!.get(backMap)).toBe(backMap);
    expect(back.n).toBe(1);
  });

  it('refuses cycles with references off, as a CodecError that says how to carry them', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { again: cyclic };
    const map = new Map();
    map.set('m', map);
    const set = new Set();
    set.add(set);
    const error = new Error('e');
    error.cause = error;
    for (const value of [cyclic, map, set, error, [cyclic]]) {
      const failure = thrown(() => encodeMsgpack(value, off));
      expect(failure).toBeInstanceOf(CodecError);
      expect((failure as Error).message).toMatch(/cycles need references: true on both ends/);
    }
    // A value that is only deep is a LimitError, and names the limit.
    let deep: unknown = 0;
    for (let i = 0; i < 100; i++) deep = { deep };
    expect(() => encodeMsgpack(deep, off)).toThrow(/nests deeper than 64 levels/);
  });

  it('turns a stack overflow under a huge maxDepth into a LimitError', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    const huge = { maxDepth: 10_000_000, maxItems: 10_000_000 };
    expect(() => encodeMsgpack(deep, huge)).toThrow(LimitError);
    expect(() => encodeMsgpack(deep, { ...huge, references: true })).toThrow(LimitError);
  });

  it('writes an object met twice again in full with references off', () => {
    const shared = { x: [1, 2] };
    const bytes = encodeMsgpack([shared, shared], off);
    expect(hex(bytes)).not.toMatch(/d669/);
    const [a, b] = decodeMsgpack(bytes, off) as unknown[];
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
  });
});

describe('what cannot be sent by itself', () => {
  async function* generator() {
    yield 1;
  }
  const kinds: [string, unknown, RegExp][] = [
    ['a function', () => 1, /cannot send a function: callbacks are not supported/],
    ['a class', class {}, /cannot send a function/],
    ['an async generator', generator(), /cannot send an async iterable: streams are not/],
    ['an async iterable', { [Symbol.asyncIterator]: generator }, /cannot send an async iterable/],
    ['a ReadableStream', new ReadableStream(), /cannot send a ReadableStream: streams are not/],
    ['a promise', Promise.resolve(1), /cannot send a promise or thenable/],
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what this case is about
    ['a thenable', { then: () => {} }, /cannot send a promise or thenable/],
    ['a symbol', Symbol('s'), /cannot send a symbol/],
    ['a WeakMap', new WeakMap(), /cannot send a WeakMap/],
    ['an ArrayBuffer', new ArrayBuffer(2), /cannot send an ArrayBuffer/],
    ['a DataView', new DataView(new ArrayBuffer(2)), /cannot send a DataView/],
  ];

  it.each(kinds)('refuses %s, alone or deep inside a value, naming it', (_, v, message) => {
    for (const container of [v, { a: [1, { b: v }] }, new Map([[1, v]]), new Set([v])]) {
      const error = thrown(() => encodeMsgpack(container, off));
      expect(error).toBeInstanceOf(CodecError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('sends them through hooks.replace behind the reference tag, and revives them', () => {
    const seen: unknown[] = [];
    const fn = () => 1;
    const stream = new ReadableStream();
    const hooks = {
      replace: (v: unknown) => {
        seen.push(v);
        return seen.length;
      },
    };
    const bytes = encodeMsgpack({ fn, stream, again: fn }, { ...off, hooks });
    expect(seen).toEqual([fn, stream, fn]); // once per occurrence
    expect(hex(bytes)).toBe(
      'de0003a2666ed45200 01a673747265616dd45200 02a5616761696ed45200 03'.replace(/ /g, ''),
    );
    const revived: unknown[] = [];
    const back = decodeMsgpack(bytes, {
      ...off,
      hooks: {
        revive: (v) => {
          revived.push(v);
          return `ref ${String(v)}`;
        },
      },
    });
    expect(back).toEqual({ fn: 'ref 1', stream: 'ref 2', again: 'ref 3' });
    expect(revived).toEqual([1, 2, 3]);
    expect(() => decodeMsgpack(bytes, off)).toThrow(/does not carry streams or callbacks/);
  });

  it('refuses a value that replace declines (returns undefined)', () => {
    const hooks = { replace: () => undefined };
    expect(() => encodeMsgpack([() => 1], { ...off, hooks })).toThrow(/cannot send a function/);
  });

  it('turns exceptions from user code into a CodecError with the exception as cause', () => {
    const boom = new Error('boom');
    const getter = {
      get x() {
        throw boom;
      },
    };
    const options: CodecOptions = {
      ...off,
      hooks: {
        replace: () => {
          throw boom;
        },
      },
    };
    for (const run of [() => encodeMsgpack(getter, off), () => encodeMsgpack([() => 1], options)]) {
      const error = thrown(run) as Error;
      expect(error).toBeInstanceOf(CodecError);
      expect(error.cause).toBe(boom);
    }
    const encoded = encodeMsgpack([() => 1], { ...off, hooks: { replace: () => 1 } });
    const reviveThrows = {
      ...off,
      hooks: {
        revive: () => {
          throw boom;
        },
      },
    };
    const error = thrown(() => decodeMsgpack(encoded, reviveThrows)) as Error;
    expect(error).toBeInstanceOf(CodecError);
    expect(error.cause).toBe(boom);
  });

  it('refuses a Map that changes size while it is encoded', () => {
    const map = new Map<string, unknown>();
    map.set('a', {
      get x() {
        map.delete('b');
        return 1;
      },
    });
    map.set('b', 2);
    expect(() => encodeMsgpack(map, off)).toThrow(/changed size/);
  });

  it('is reentrant: a hook may encode, and results never share the reused buffer', () => {
    const inner = encodeMsgpack('inner', off);
    const hooks = { replace: () => encodeMsgpack(['nested', 1], off) };
    const outer = encodeMsgpack([() => 1, 'x'], { ...off, hooks });
    const again = encodeMsgpack('other', off);
    expect(decodeMsgpack(inner, off)).toBe('inner');
    expect(decodeMsgpack(again, off)).toBe('other');
    const back = decodeMsgpack(outer, { ...off, hooks: { revive: (v) => v } }) as unknown[];
    expect(decodeMsgpack(back[0] as Uint8Array, off)).toEqual(['nested', 1]);
    expect(inner.buffer).not.toBe(again.buffer);
  });
});

describe('limits match the decoder', () => {
  const limits = fc.record({
    maxDepth: fc.integer({ min: 1, max: 6 }),
    envelope: fc.integer({ min: 0, max: 2 }),
    maxItems: fc.integer({ min: 1, max: 60 }),
  });
  const unlimited = { maxDepth: 10_000, maxItems: Number.MAX_SAFE_INTEGER };

  function limitOutcome(run: () => unknown): 'ok' | 'limit' {
    try {
      run();
      return 'ok';
    } catch (error) {
      if (error instanceof LimitError) return 'limit';
      throw error;
    }
  }

  it('refuses a tree exactly when decoding its bytes under the same limits would', () => {
    fc.assert(
      fc.property(value, limits, (v, limit) => {
        const bytes = encodeMsgpack(v, unlimited);
        const options = { ...limit };
        expect(limitOutcome(() => encodeMsgpack(v, options))).toBe(
          limitOutcome(() => decodeMsgpack(bytes, options)),
        );
      }),
      { numRuns: 600 },
    );
  });

  it('and a graph of shared objects and cycles, references on', () => {
    fc.assert(
      fc.property(graph, limits, (g, limit) => {
        const bytes = encodeMsgpack(g, { ...unlimited, references: true });
        const options = { ...limit, references: true };
        expect(limitOutcome(() => encodeMsgpack(g, options))).toBe(
          limitOutcome(() => decodeMsgpack(bytes, options)),
        );
      }),
      { numRuns: 600 },
    );
  });
});
