/**
 * The encoder: the exact bytes it writes for the Python classes (the shapes CPython writes,
 * minus CPython's memo entries for intermediate values), and every value it refuses.
 */
import { describe, expect, it } from 'vitest';
import {
  decodePickle,
  encodePickle,
  PyByteArray,
  PyDecimal,
  PyException,
  PyFrozenSet,
} from '../../src/codec/pickle/index.js';
import { CodecError, UsageError } from '../../src/errors.js';

function hex(value: unknown, protocol: 2 | 3 | 4 = 4): string {
  return Buffer.from(encodePickle(value, { protocol })).toString('hex');
}

function refusedToEncode(value: unknown, fragment: string): void {
  let error: unknown;
  try {
    encodePickle(value);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(CodecError);
  expect((error as Error).message).toContain(fragment);
}

describe('pickle encode: shapes', () => {
  it('writes exceptions as GLOBAL/STACK_GLOBAL builtins.<name>, args tuple, REDUCE', () => {
    // cbuiltins\nTypeError\n X'x' TUPLE1 BINPUT0 REDUCE BINPUT1 STOP
    const classic = '8002636275696c74696e730a547970654572726f720a5801000000788571005271012e';
    expect(hex(new PyException('TypeError', ['x']), 2)).toBe(classic);
    expect(hex(new PyException('TypeError', ['x']), 3)).toBe(`8003${classic.slice(4)}`);
    // SHORT_BINUNICODE builtins, SHORT_BINUNICODE TypeError, STACK_GLOBAL, 'x', TUPLE1, MEMOIZE…
    expect(hex(new PyException('TypeError', ['x']))).toBe(
      '80048c086275696c74696e738c09547970654572726f72938c0178859452942e',
    );
  });

  it('writes bytearray and bytes as CPython does at each protocol', () => {
    // Protocol 2: builtins.bytearray(_codecs.encode('ab', 'latin1')).
    expect(hex(new PyByteArray([97, 98]), 2)).toBe(
      '8002636275696c74696e730a6279746561727261790a635f636f646563730a656e636f64650a58020000006162' +
        '58060000006c6174696e318652855271002e',
    );
    expect(hex(new PyByteArray([97, 98]))).toBe(
      '80048c086275696c74696e738c0962797465617272617993430261628552942e',
    );
    expect(hex(new Uint8Array([0, 255]), 3)).toBe('8003430200ff7100' + '2e');
  });

  it('writes a Date as a naive UTC datetime', () => {
    expect(hex(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe(
      '80048c086461746574696d658c086461746574696d6593430a07e801020304050a58708552942e',
    );
  });

  it('writes ints in the smallest opcode, floats for everything else', () => {
    expect(hex(0)).toBe('80044b002e');
    expect(hex(-1)).toBe('80044affffffff2e');
    expect(hex(2 ** 31)).toBe('80048a0500000080002e');
    expect(hex(2n ** 64n)).toBe('80048a090000000000000000012e');
    expect(hex(-0)).toBe('80044780000000000000002e');
    expect(hex(1.5)).toBe('8004473ff80000000000002e');
    expect(hex(2 ** 60)).toBe('80044743b00000000000002e');
    expect(decodePickle(encodePickle(2n ** 5000n))).toBe(2n ** 5000n);
    expect(decodePickle(encodePickle(-(2n ** 5000n)))).toBe(-(2n ** 5000n));
  });

  it('encodes undefined as None and keeps Python types through a round trip', () => {
    expect(decodePickle(encodePickle(undefined))).toBeNull();
    const value = [new PyFrozenSet([1]), new PyDecimal('1.10'), new PyException('KeyError', ['k'])];
    for (const protocol of [2, 3, 4] as const) {
      const out = decodePickle(encodePickle(value, { protocol })) as unknown[];
      expect(out[0]).toBeInstanceOf(PyFrozenSet);
      expect(out[1]).toEqual(new PyDecimal('1.10'));
      expect(out[2]).toEqual(new PyException('KeyError', ['k']));
    }
  });

  it('writes exception state with BUILD', () => {
    const error = new PyException('ValueError', ['x'], { state: { code: 7 } });
    expect((decodePickle(encodePickle(error)) as PyException).state).toEqual({ code: 7 });
  });
});

describe('pickle encode: refusals', () => {
  class Point {
    x = 1;
  }

  it.each([
    [() => 1, 'type function'],
    [Symbol('s'), 'type symbol'],
    [new Point(), 'type Point'],
    [new Int32Array(2), 'type Int32Array'],
    [new Error('e'), 'type Error'],
    [/re/, 'type RegExp'],
    [new WeakMap(), 'type WeakMap'],
    [[1, () => 1], 'type function'],
  ])('refuses %s', (value, fragment) => {
    refusedToEncode(value, fragment);
  });

  it('refuses unhashable dict keys and set members', () => {
    refusedToEncode(new Map([[[1], 'list key']]), 'hashable');
    refusedToEncode(new Map([[Object.freeze([[1]]), 'tuple holding a list']]), 'hashable');
    refusedToEncode(new Set([{}]), 'hashable');
    refusedToEncode(new PyFrozenSet([new Set()]), 'hashable');
  });

  it('refuses values Python could not rebuild', () => {
    const tuple: unknown[] = [];
    tuple.push(tuple);
    Object.freeze(tuple);
    refusedToEncode(tuple, 'tuple that contains itself');
    refusedToEncode(new Date(Number.NaN), 'years 1 and 9999');
    refusedToEncode(new Date(Date.UTC(10000, 0, 1)), 'years 1 and 9999');
    refusedToEncode(new PyException('MyError', []), 'built-in exceptions');
    refusedToEncode(new PyException('ValueError', [], { module: 'os' }), 'built-in exceptions');
    refusedToEncode(new PyException('ValueError', [], { state: 5 }), 'state must be');
  });

  it('refuses nesting over 1000 levels', () => {
    let deep: unknown = null;
    for (let i = 0; i < 2000; i++) {
      deep = [deep];
    }
    refusedToEncode(deep, 'nested over 1000');
  });

  it('refuses a bad protocol with UsageError', () => {
    expect(() => encodePickle(1, { protocol: 5 as 4 })).toThrow(UsageError);
    expect(() => decodePickle(new Uint8Array([0x4e, 0x2e]), { maxDepth: 0 })).toThrow(UsageError);
  });

  it('refuses an invalid decimal string when constructing PyDecimal', () => {
    expect(() => new PyDecimal('1.2.3')).toThrow(TypeError);
  });
});
