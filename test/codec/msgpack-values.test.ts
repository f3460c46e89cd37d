/**
 * Round trips of every value the MessagePack codec carries, and the bytes it writes for each
 * kind (docs/protocol.md, "Values"), with shared references off and on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMsgpack, encodeMsgpack } from '../../src/codec/msgpack.js';
import { expectExact } from './exact.js';
import { graph, Point, value } from './values.js';

const off = { maxDepth: 64, maxItems: 1_000_000 };
const on = { ...off, references: true };
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => new Uint8Array(Buffer.from(text.replace(/ /g, ''), 'hex'));

describe('round trips', () => {
  it('uses a check that tells apart what a codec could confuse', () => {
    const shared = [1];
    const pairs: [unknown, unknown][] = [
      [0, -0],
      [1, 1n],
      [Buffer.from([1]), new Int8Array([1])],
      [new Map([[1, 2]]), new Map([[2, 1]])],
      [new Set([1, 2]), new Set([2, 1])],
      [{ a: undefined }, {}],
      [new TypeError('x'), new RangeError('x')],
      [new Error('x', { cause: null }), new Error('x')],
      [new Date(Number.NaN), new Date(0)],
    ];
    for (const [a, b] of pairs) expect(() => expectExact(a, b)).toThrow();
    expect(() => expectExact([[1], [1]], [shared, shared], true)).toThrow(/copy/);
    expectExact([Number.NaN, -0], [Number.NaN, -0]);
  });

  it('carries every kind of value exactly, references off', () => {
    fc.assert(
      fc.property(value, (v) => {
        expectExact(decodeMsgpack(encodeMsgpack(v, off), off), v);
      }),
      { numRuns: 600 },
    );
  });

  it('carries the same values exactly with references on', () => {
    fc.assert(
      fc.property(value, (v) => {
        expectExact(decodeMsgpack(encodeMsgpack(v, on), on), v, true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps sharing and cycles through arrays, objects, Maps, Sets and errors, references on', () => {
    fc.assert(
      fc.property(graph, (g) => {
        // `expectExact` with sharing checks the decoded graph has the same shape of identities.
        expectExact(decodeMsgpack(encodeMsgpack(g, on), on), g, true);
      }),
      { numRuns: 500 },
    );
  });

  it('returns a new Uint8Array for bin, never a view of the frame', () => {
    const frame = encodeMsgpack([new Uint8Array([1, 2, 3])], off);
    const [decoded] = decodeMsgpack(frame, off) as [Uint8Array];
    expect(decoded.buffer).not.toBe(frame.buffer);
    expect(decoded.byteLength).toBe(decoded.buffer.byteLength);
    frame.fill(0);
    expect([...decoded]).toEqual([1, 2, 3]);
  });

  it('writes class instances as plain objects of their own properties, or their toJSON', () => {
    expectExact(decodeMsgpack(encodeMsgpack(new Point(-0, new Map()), off), off), {
      x: -0,
      label: new Map(),
    });
    const url = new URL('https://example.com/a?b=c');
    expect(decodeMsgpack(encodeMsgpack({ url }, off), off)).toEqual({ url: url.href });
    // toJSON is called once, as JSON.stringify does: a result with a toJSON of its own is
    // written by its properties.
    class Inner {
      n = 2;
      toJSON() {
        return 'never';
      }
    }
    class Outer {
      toJSON() {
        return new Inner();
      }
    }
    expect(decodeMsgpack(encodeMsgpack(new Outer(), off), off)).toEqual({ n: 2 });
  });

  it('carries an error subclass with its own fields, and an AggregateError with its errors', () => {
    class NotFoundError extends Error {
      override name = 'NotFoundError';
      status = 404;
    }
    const decoded = decodeMsgpack(encodeMsgpack(new NotFoundError('gone'), off), off) as Error;
    expect(decoded).toBeInstanceOf(Error);
    expect(decoded).toMatchObject({ name: 'NotFoundError', message: 'gone', status: 404 });
    const aggregate = new AggregateError([new TypeError('a'), 1], 'both', { cause: 'why' });
    const back = decodeMsgpack(encodeMsgpack(aggregate, off), off) as AggregateError;
    expectExact(back, aggregate);
    expect(back).toBeInstanceOf(AggregateError);
    expect(Object.keys(back)).toEqual([]); // errors and cause stay non-enumerable
  });

  it('keeps an invalid Date invalid', () => {
    const decoded = decodeMsgpack(encodeMsgpack(new Date(Number.NaN), off), off) as Date;
    expect(decoded).toBeInstanceOf(Date);
    expect(decoded.getTime()).toBeNaN();
  });
});

describe('bytes on the wire', () => {
  it.each([
    ['positive fixint', 127, '7f'],
    ['uint8', 128, 'cc80'],
    ['uint16', 256, 'cd0100'],
    ['uint32', 2 ** 32 - 1, 'ceffffffff'],
    ['past uint32: float64', 2 ** 32, 'cb41f0000000000000'],
    ['negative fixint', -32, 'e0'],
    ['int8', -33, 'd0df'],
    ['int16', -129, 'd1ff7f'],
    ['int32', -(2 ** 31), 'd280000000'],
    ['float64', 1.5, 'cb3ff8000000000000'],
    ['NaN', Number.NaN, 'cb7ff8000000000000'],
    ['-0', -0, 'd42d00'],
    ['undefined', undefined, 'd40000'],
    ['int64 BigInt', 1n, 'd30000000000000001'],
    ['uint64 BigInt', 2n ** 63n, 'cf8000000000000000'],
    ['BigInt past 64 bits', -(2n ** 63n) - 1n, 'd842ffffffffffffffff7fffffffffffffff'],
    ['fixstr', 'é', 'a2c3a9'],
    ['str8', 'a'.repeat(32), `d920${'61'.repeat(32)}`],
    ['timestamp 32', new Date(0), 'd6ff00000000'],
    ['timestamp 64', new Date(1), 'd7ff003d090000000000'],
    ['timestamp 96', new Date(-1), 'c70cff3b8b87c0ffffffffffffffff'],
    ['invalid Date', new Date(Number.NaN), 'd4ffff'],
    ['object (map16)', { a: 1 }, 'de0001a16101'],
    ['Map', new Map([[1, 2]]), 'd46d00920102'],
    ['Set', new Set(['x']), 'd4730091a178'],
    ['RegExp', /a/g, 'd4780092a161a167'],
    ['Error', new TypeError('m'), 'd4650093a9547970654572726f72a16dd40000'],
    ['Uint8Array as bin', new Uint8Array([1, 2]), 'c4020102'],
    ['Buffer as bin', Buffer.from([3]), 'c40103'],
    ['Int16Array', new Int16Array([1]), 'c70374030100'],
  ])('%s', (_, v, expected) => {
    expect(hex(encodeMsgpack(v, off))).toBe(expected);
    expectExact(decodeMsgpack(bytes(expected), off), v);
  });

  it('writes a lone surrogate as U+FFFD, as TextEncoder does (UTF-8 cannot hold one)', () => {
    expect(hex(encodeMsgpack('\ud800', off))).toBe('a3efbfbd');
    expect(hex(encodeMsgpack(`${'x'.repeat(70)}\udc00`, off))).toMatch(/efbfbd$/);
    expect(decodeMsgpack(bytes('a3efbfbd'), off)).toBe('\ufffd');
  });

  it('writes an error with fields as a fourth item, a map', () => {
    const error = Object.assign(new Error('m'), { status: 404 });
    expect(hex(encodeMsgpack(error, off))).toBe(
      'd4650094a54572726f72a16dd40000de0001a6737461747573cd0194',
    );
  });

  it('writes shared objects as an id before the first occurrence and pointers after', () => {
    const shared = [1];
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(hex(encodeMsgpack([shared, shared, cyclic], on))).toBe(
      ['93', 'd66900000001 9101', 'd67000000001', 'd66900000002 91', 'd67000000002']
        .join('')
        .replace(/ /g, ''),
    );
  });

  it('still reads ext 0x74 kind 1, as msgpackr wrote a Uint8Array', () => {
    expectExact(decodeMsgpack(bytes('c703 7401 0102'), off), new Uint8Array([1, 2]));
  });

  it('reads numbers as map keys as their strings', () => {
    expect(
      decodeMsgpack(bytes('83 01 a161 cb3ff8000000000000 a162 d30000000000000005 a163'), off),
    ).toEqual({
      1: 'a',
      1.5: 'b',
      5: 'c',
    });
  });
});
