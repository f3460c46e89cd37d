/**
 * How `farcall call` reads its ARGs, in memory: the rules docs/cli.md states. A number is taken
 * only when its text is the way `call` would print that number, so no argument loses a
 * character on its way to the server.
 */
import { describe, expect, it } from 'vitest';
import { formatResult, parseArg } from '../../src/cli/args.js';

describe('parseArg', () => {
  it('takes a number when its text is the canonical form of that number', () => {
    for (const [text, value] of [
      ['0', 0],
      ['2', 2],
      ['-2', -2],
      ['-0', -0],
      ['1.5', 1.5],
      ['-0.25', -0.25],
      ['9007199254740991', Number.MAX_SAFE_INTEGER],
      ['1e+21', 1e21],
      ['1.5e-7', 1.5e-7],
    ] as const) {
      expect(Object.is(parseArg(text), value), text).toBe(true);
    }
  });

  it('keeps as a string the number-like text whose number would print otherwise', () => {
    for (const text of [
      '007',
      '00',
      '-01',
      '1.50',
      '1.0',
      '1.10',
      '1e3',
      '1E3',
      '1e21',
      '+1',
      '0x10',
      '0b1',
      '.5',
      '5.',
      '1_000',
      'Infinity',
      '-Infinity',
      'NaN',
      ' 1',
      '1 ',
      '',
    ]) {
      expect(parseArg(text), JSON.stringify(text)).toBe(text);
    }
  });

  it('takes an integer past the safe range, written in canonical digits, as a BigInt', () => {
    expect(parseArg('9007199254740993')).toBe(9007199254740993n);
    expect(parseArg('-123456789012345678901234')).toBe(-123456789012345678901234n);
    expect(parseArg('0123456789012345678901234')).toBe('0123456789012345678901234');
  });

  it('parses other JSON as JSON, and anything else as the text itself', () => {
    expect(parseArg('true')).toBe(true);
    expect(parseArg('null')).toBe(null);
    expect(parseArg('"007"')).toBe('007');
    expect(parseArg('[1,{"a":"b"}]')).toEqual([1, { a: 'b' }]);
    expect(parseArg('bob')).toBe('bob');
    expect(parseArg('{not json')).toBe('{not json');
  });

  it('reads back, as the same value, every number `call` prints, and prints back its text', () => {
    const samples = [0, -0, 7, -7, 0.1, 1 / 3, 1e21, -1e-7, Number.MAX_SAFE_INTEGER, 5e-324];
    for (const n of samples) {
      expect(Object.is(parseArg(formatResult(n)), n), String(n)).toBe(true);
    }
    expect(parseArg(formatResult(2n ** 70n))).toBe(2n ** 70n);
    // An integer past the safe range keeps its digits as a BigInt, rather than the double's.
    for (const text of ['1152921504606847000', '-18446744073709551616']) {
      expect(formatResult(parseArg(text))).toBe(text);
    }
  });
});
