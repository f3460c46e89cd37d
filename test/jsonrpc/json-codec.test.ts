/**
 * The JSON codec: its pre-scan counts exactly the nesting and values that `JSON.parse` builds
 * (on any JSON text, strings full of brackets, quotes and backslashes included), so each limit
 * applies at its number; and encoding refuses what JSON would lose.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson } from '../../src/codec/json.js';
import { CodecError, LimitError } from '../../src/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const options = (maxDepth: number, maxItems: number) => ({ maxDepth, maxItems });

/** Nesting of a parsed value: 0 for a scalar, 1 for a flat array or object. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

/** Values and keys of a parsed value. */
function itemsOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1;
  if (Array.isArray(value)) return 1 + value.reduce((n: number, v) => n + itemsOf(v), 0);
  return 1 + Object.values(value).reduce((n: number, v) => n + 1 + itemsOf(v), 0);
}

/** JSON texts with strings that look like structure, and whitespace between tokens. */
const tricky = fc.string({
  unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', ',', ':', 'a', ' '),
});
const texts = fc
  .tuple(
    fc.jsonValue({ maxDepth: 6 }),
    fc.array(tricky, { maxLength: 4 }),
    fc.constantFrom(0, 2, undefined),
  )
  .map(([value, strings, indent]) => JSON.stringify([value, ...strings], null, indent));

describe('the JSON pre-scan agrees with JSON.parse', () => {
  it('on depth and items, at the exact limit and one below', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const value: unknown = JSON.parse(text);
        const depth = depthOf(value);
        const items = itemsOf(value);
        expect(decodeJson(bytes(text), options(depth, items))).toStrictEqual(value);
        expect(() => decodeJson(bytes(text), options(depth - 1, items))).toThrow(LimitError);
        expect(() => decodeJson(bytes(text), options(depth, items - 1))).toThrow(LimitError);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips what it encodes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = new TextDecoder().decode(encodeJson(value, options(64, 1e6)));
        expect(text).toBe(JSON.stringify(value));
        expect(decodeJson(bytes(text), options(64, 1e6))).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('counts an envelope above the depth limit', () => {
    const text = '[[[[1]]]]';
    expect(() => decodeJson(bytes(text), options(2, 100))).toThrow(LimitError);
    expect(decodeJson(bytes(text), { ...options(2, 100), envelope: 2 })).toStrictEqual([[[[1]]]]);
  });

  it('refuses 100 000 levels of nesting before building anything, in linear time', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => decodeJson(bytes(deep), options(64, 1e6))).toThrow(/nests deeper than 64 levels/);
    const wide = `[${'0,'.repeat(200_000)}0]`;
    expect(() => decodeJson(bytes(wide), options(64, 100_000))).toThrow(/more than 100000 values/);
  });
});

describe('decoding refuses, without quoting the content', () => {
  it.each([
    ['text that is not JSON', bytes('{"secret": '), /not valid JSON/],
    ['bytes that are not UTF-8', new Uint8Array([0x22, 0xff, 0xfe, 0x22]), /not valid UTF-8/],
    ['an overlong UTF-8 form', new Uint8Array([0x22, 0xc0, 0xa2, 0x22]), /not valid UTF-8/],
    [
      'a lone surrogate encoded as UTF-8',
      new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]),
      /not valid UTF-8/,
    ],
  ])('%s', (_name, input, message) => {
    const error = (() => {
      try {
        decodeJson(input, options(64, 1000));
      } catch (e) {
        return e as Error;
      }
      throw new Error('decoded');
    })();
    expect(error).toBeInstanceOf(CodecError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('secret');
  });

  it('keeps a "__proto__" key as data', () => {
    const value = decodeJson(
      bytes('{"__proto__": {"polluted": true}}'),
      options(64, 100),
    ) as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('encoding refuses what JSON would lose', () => {
  it.each([
    ['a BigInt', 1n, CodecError],
    ['NaN', Number.NaN, CodecError],
    ['Infinity', Number.POSITIVE_INFINITY, CodecError],
    ['a function in an object', { f: () => 1 }, CodecError],
    ['a Map', new Map([[1, 2]]), CodecError],
    ['a Set', new Set([1]), CodecError],
    ['a Uint8Array', new Uint8Array([1]), CodecError],
    ['a class instance', new (class Point {})(), CodecError],
    ['a symbol', Symbol('s'), CodecError],
  ])('%s', (_name, value, type) => {
    expect(() => encodeJson([value], options(64, 1000))).toThrow(type);
  });

  it('names a class instance by its class', () => {
    expect(() => encodeJson(new (class Point {})(), options(64, 1000))).toThrow(/Point instance/);
  });

  it('refuses a cycle as nesting past the limit', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(() => encodeJson(cycle, options(64, 1000))).toThrow(LimitError);
  });

  it('refuses a value shared so often that JSON would repeat it past maxItems', () => {
    const shared = Array.from({ length: 100 }, (_, i) => i);
    expect(() => encodeJson(Array(100).fill(shared), options(64, 5000))).toThrow(LimitError);
  });

  it('writes dates as ISO strings and undefined as JSON does', () => {
    const text = new TextDecoder().decode(
      encodeJson({ at: new Date(0), gone: undefined, list: [undefined] }, options(64, 100)),
    );
    expect(text).toBe('{"at":"1970-01-01T00:00:00.000Z","list":[null]}');
  });

  it('escapes lone surrogates instead of replacing them', () => {
    const text = new TextDecoder().decode(encodeJson('\ud800x', options(64, 100)));
    expect(text).toBe('"\\ud800x"');
    expect(decodeJson(bytes(text), options(64, 100))).toBe('\ud800x');
  });
});
