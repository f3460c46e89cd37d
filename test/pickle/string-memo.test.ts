/**
 * The encoder's string memo against a `Map` as its model, on the strings that reach its
 * crit-bit trees: longer than V8 hashes, of one length, differing in a few code units (the
 * set that would make a `Map` of long strings quadratic), looked up and added in any order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringMemo } from '../../src/codec/pickle/string-memo.js';

const LENGTH = 16_400;
const base = 'a'.repeat(LENGTH);

/**
 * `base` with a few code units replaced by any value (lone surrogates too), often at the same
 * few positions and by values one bit away from 'a', so that branches meet at one position.
 */
const variant = fc
  .array(
    fc.tuple(
      fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: LENGTH - 1 })),
      fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0x60, 0x63, 0x65, 0x8061)),
    ),
    { maxLength: 3 },
  )
  .map((edits) => {
    const units = new Array<number>(LENGTH).fill(0x61);
    for (const [at, unit] of edits) units[at] = unit;
    return String.fromCharCode(...units);
  });

describe('pickle encoder: string memo', () => {
  it('finds exactly the long strings added, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(variant, { minLength: 1, maxLength: 30 }), (texts) => {
        const memo = new StringMemo();
        const model = new Map<string, number>();
        for (const text of texts) {
          expect(memo.get(text)).toBe(model.get(text));
          if (!model.has(text)) {
            model.set(text, model.size);
            memo.set(text, model.get(text)!);
          }
        }
        for (const text of texts) expect(memo.get(text)).toBe(model.get(text));
        // Equal text built anew (another string object) is found too.
        for (const [text, index] of model) expect(memo.get(text.split('').join(''))).toBe(index);
        const fresh = `z${base.slice(1)}`;
        expect(memo.get(fresh)).toBe(model.get(fresh));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps short and long strings, and strings of other lengths, apart', () => {
    const memo = new StringMemo();
    memo.set('short', 0);
    memo.set(base, 1);
    memo.set(`${base}b`, 2);
    expect([memo.get('short'), memo.get(base), memo.get(`${base}b`)]).toEqual([0, 1, 2]);
    expect(memo.get(`${base}c`)).toBeUndefined();
    expect(memo.get('shorter')).toBeUndefined();
  });
});
