/**
 * `maxItems` bounds the heap a pickle can make: every value pushed counts (containers,
 * strings, bytes, ints, memo GETs, DUPs), as do MARKs, memo slots and the items calls copy. A
 * stream of one-byte opcodes that each allocate (EMPTY_DICT, EMPTY_LIST, …) is refused at the
 * limit with a `LimitError` naming `limits.maxItems`, before it can fill the heap. And shared
 * values stay shared: a memo DAG decodes to a DAG, in time linear in the pickle.
 */
import { describe, expect, it } from 'vitest';
import { decodePickle } from '../../src/codec/pickle/index.js';
import { LimitError } from '../../src/errors.js';
import { limited, p, u32 } from './hostile-bytes.js';

const MESSAGE = 'more than 1000 values (limits.maxItems)';
const options = { maxItems: 1000 };

describe('pickle hostile: every push counts against maxItems', () => {
  it('refuses 1001 EMPTY_LISTs with maxItems 1000, and takes 1000 values', () => {
    limited(p(0x80, 4, ']'.repeat(1001), '.'), MESSAGE, options);
    // MARK, 998 lists and the list holding them: 1000 values.
    const list = decodePickle(p(0x80, 4, '(', ']'.repeat(998), 'l.'), options) as unknown[];
    expect(list).toHaveLength(998);
    limited(p(0x80, 4, '(', ']'.repeat(999), 'l.'), MESSAGE, options);
  });

  it.each([
    ['EMPTY_DICT', '}'],
    ['EMPTY_TUPLE', ')'],
    ['EMPTY_SET', '\x8f'],
    ['MARK', '('],
    ['NONE', 'N'],
    ['SHORT_BINUNICODE', '\x8c\x00'],
    ['SHORT_BINBYTES', 'C\x00'],
    ['BYTEARRAY8', '\x96\x00\x00\x00\x00\x00\x00\x00\x00'],
    ['LONG1', '\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80'],
    ['BINFLOAT', 'G\x3f\xf8\x00\x00\x00\x00\x00\x00'],
  ])('refuses a flood of %s', (_name, opcode) => {
    // MARK's limit on open marks is the depth limit: a high one lets the count decide.
    limited(p(0x80, 5, opcode.repeat(1001), '.'), MESSAGE, { maxItems: 1000, maxDepth: 1000 });
  });

  it('counts memo GETs and DUPs: each pushes a reference a container can hold', () => {
    limited(p(0x80, 4, ']\x94', 'h\x00'.repeat(1000), '.'), MESSAGE, options);
    limited(p(0x80, 4, ']', '2'.repeat(1000), '.'), MESSAGE, options);
  });

  it('charges a big int fetched again its size: an echo would write it out at each use', () => {
    const long = new Uint8Array(100_000).fill(0x7f);
    const int = p(0x8b, u32(long.length), long);
    expect(decodePickle(p(0x80, 2, int, 'q', 0, '0(h', 0, 'l.'))).toHaveLength(1);
    limited(p(0x80, 2, int, 'q', 0, '0(h', 0, 'h', 0, 'h', 0, 'l.'), 'copies more bytes');
    limited(p(0x80, 2, '(', int, '222l.'), 'copies more bytes');
    // Ints of 8 bytes or less cost no more than the GET that fetches them.
    const small = p(0x80, 2, 0x8a, 8, new Uint8Array(8).fill(0x7f), 'q', 0, '0');
    expect(decodePickle(p(small, '(', 'h\x00'.repeat(10_000), 'l.'))).toHaveLength(10_000);
  });

  it('refuses a million and one EMPTY_DICTs by default, quickly and without filling the heap', () => {
    const bytes = p(0x80, 4, '}'.repeat(1_000_001), '.');
    const error = limited(bytes, 'more than 1000000 values (limits.maxItems)');
    expect(error).toBeInstanceOf(LimitError);
    expect(error.message.length).toBeLessThan(100);
  });
});

/**
 * A list holding the list below it twice, `levels` deep (protocol 2): each level is built,
 * memoized and popped, and the next one fetches it twice from the memo.
 */
function laughs(levels: number): Uint8Array {
  const parts: (string | number)[] = [0x80, 2, ']q', 0];
  for (let level = 1; level <= levels; level++) {
    parts.push('0', ']', '(', 'h', level - 1, 'h', level - 1, 'e', 'q', level);
  }
  parts.push('.');
  return p(...parts);
}

describe('pickle hostile: shared values stay shared', () => {
  it('decodes a billion laughs (2^60 paths, 60 levels) at once, every level one array', () => {
    const started = performance.now();
    let level = decodePickle(laughs(60)) as unknown[];
    const elapsed = performance.now() - started;
    for (let depth = 60; depth > 0; depth--) {
      expect(level).toHaveLength(2);
      expect(level[0]).toBe(level[1]);
      level = level[0] as unknown[];
    }
    expect(level).toEqual([]);
    // An expansion would never end; a linear decode of 600 bytes takes well under this.
    expect(elapsed).toBeLessThan(1000);
  });
});
