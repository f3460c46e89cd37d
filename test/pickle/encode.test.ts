/**
 * The encoder: the exact bytes it writes for the Python classes (the shapes CPython writes,
 * minus CPython's memo entries for intermediate values), sharing written once (strings by
 * value, objects by identity), and every value it refuses.
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
import { CodecError, LimitError, UsageError } from '../../src/errors.js';

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
    // CPython 3's bytes exactly: cbuiltins\nTypeError\n BINPUT0 X'x' BINPUT1 TUPLE1 BINPUT2
    // REDUCE BINPUT3 STOP (at protocol 2 CPython names the module `exceptions`, for Python 2).
    const classic =
      '8003636275696c74696e730a547970654572726f720a710058010000007871018571025271032e';
    expect(hex(new PyException('TypeError', ['x']), 2)).toBe(`8002${classic.slice(4)}`);
    expect(hex(new PyException('TypeError', ['x']), 3)).toBe(classic);
    // CPython's bytes without its FRAME: 'builtins' MEMOIZE 'TypeError' MEMOIZE STACK_GLOBAL
    // MEMOIZE 'x' MEMOIZE TUPLE1 MEMOIZE REDUCE MEMOIZE STOP.
    expect(hex(new PyException('TypeError', ['x']))).toBe(
      '80048c086275696c74696e73948c09547970654572726f729493948c017894859452942e',
    );
  });

  it('writes bytearray and bytes as CPython does at each protocol', () => {
    // Protocol 2: builtins.bytearray(_codecs.encode('ab', 'latin1')), every global and str
    // memoized; CPython memoizes the intermediate tuples and bytes too.
    expect(hex(new PyByteArray([97, 98]), 2)).toBe(
      '8002636275696c74696e730a6279746561727261790a7100635f636f646563730a656e636f64650a7101' +
        '58020000006162710258060000006c6174696e3171038652855271042e',
    );
    expect(hex(new PyByteArray([97, 98]))).toBe(
      '80048c086275696c74696e73948c09627974656172726179949394430261628552942e',
    );
    expect(hex(new Uint8Array([0, 255]), 3)).toBe('8003430200ff7100' + '2e');
  });

  it('writes a Date as a naive UTC datetime, its module name once', () => {
    // 'datetime' MEMOIZE, then BINGET 0 for the class name, which is the same str.
    expect(hex(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe(
      '80048c086461746574696d659468009394430a07e801020304050a58708552942e',
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

describe('pickle encode: sharing is written once', () => {
  it('writes a str used 1,000 times as one copy and 1,000 GETs', () => {
    const text = 's'.repeat(1000);
    const bytes = encodePickle(new Array(1000).fill(text));
    // The list (EMPTY_LIST MEMOIZE MARK … APPENDS), one BINUNICODE of 1000 bytes and its
    // MEMOIZE, then 999 BINGETs of 2 bytes each.
    expect(bytes.length).toBe(2 + 3 + 1005 + 1 + 999 * 2 + 1 + 1);
    const out = decodePickle(bytes) as string[];
    expect(out).toHaveLength(1000);
    expect(out.every((item) => item === text)).toBe(true);
  });

  it('writes a 1 MiB str used 300 times once, at every protocol', () => {
    const text = 'm'.repeat(1024 * 1024);
    for (const protocol of [2, 3, 4] as const) {
      const bytes = encodePickle(new Array(300).fill(text), { protocol });
      expect(bytes.length).toBeLessThan(text.length + 300 * 5 + 64);
      expect((decodePickle(bytes) as string[]).every((item) => item === text)).toBe(true);
    }
  });

  it('keeps distinct long strings of one length apart (no false GET), each written once', () => {
    // Past V8's hashed length: 300 strings of 20,000 units that differ in one unit each.
    const base = 'b'.repeat(20_000);
    const texts = Array.from({ length: 300 }, (_, i) => {
      const at = (i * 7919) % base.length;
      return `${base.slice(0, at)}${String.fromCharCode(0x100 + i)}${base.slice(at + 1)}`;
    });
    const value = [...texts, ...texts.toReversed(), base, base];
    const bytes = encodePickle(value);
    expect(bytes.length).toBeLessThan(301 * 20_002 + 602 * 5 + 64);
    const out = decodePickle(bytes) as string[];
    expect(out).toHaveLength(value.length);
    expect(out.every((item, i) => item === value[i])).toBe(true);
  });

  it('refuses near-copies of long strings repeated without end, with LimitError, at once', () => {
    // 1,000 strings of 16,384 units, each one unit away from the others: telling them apart
    // takes a read per string, so a million lookups would take a billion reads.
    const base = 'a'.repeat(16_384);
    const chain = Array.from(
      { length: 1000 },
      (_, i) => `${base.slice(0, i)}b${base.slice(i + 1)}`,
    );
    const few = encodePickle([...chain, ...chain.toReversed()]);
    expect(few.length).toBeLessThan(1000 * 16_390 + 2000 * 5 + 64);
    const out = decodePickle(few) as string[];
    expect(out.every((text, i) => text === (i < 1000 ? chain[i] : chain[1999 - i]))).toBe(true);
    const endless = [...chain, ...new Array<string>(1_000_000).fill(chain[999]!)];
    expect(() => encodePickle(endless)).toThrow(LimitError);
    expect(() => encodePickle(endless)).toThrow(/near-copies/);
  });

  it('writes bytes objects once, and the same global once', () => {
    const blob = new Uint8Array(10_000);
    const bytes = encodePickle([blob, blob, new Date(0), new Date(1)], { protocol: 3 });
    expect(bytes.length).toBeLessThan(10_000 + 2 * 30 + 64);
    const [a, b] = decodePickle(bytes) as Uint8Array[];
    expect(a).toBe(b);
  });

  it('encodes a DAG 50 levels deep (2^50 paths) in linear size, sharing kept', () => {
    // Non-empty at the bottom: CPython and this encoder write every empty tuple anew.
    let list: unknown[] = [0];
    let tuple: readonly unknown[] = Object.freeze([0]);
    let dict: Record<string, unknown> = { z: 0 };
    for (let level = 0; level < 50; level++) {
      list = [list, list];
      tuple = Object.freeze([tuple, tuple]);
      dict = { a: dict, b: dict };
    }
    for (const value of [list, tuple, dict]) {
      for (const protocol of [2, 3, 4] as const) {
        const bytes = encodePickle(value, { protocol });
        expect(bytes.length).toBeLessThan(50 * 16);
        let level = decodePickle(bytes) as Record<string, unknown>;
        for (let depth = 0; depth < 50; depth++) {
          const [first, second] = Array.isArray(level) ? level : [level.a, level.b];
          expect(first).toBe(second);
          level = first as Record<string, unknown>;
        }
      }
    }
  });

  it('checks a key shared by many dict keys for hashability once', () => {
    let shared: readonly unknown[] = Object.freeze([]);
    for (let level = 0; level < 50; level++) {
      shared = Object.freeze([shared, shared]);
    }
    const keys = Array.from({ length: 5000 }, (_, i) => Object.freeze([i, shared]));
    const dict = new Map(keys.map((key, i) => [key, i]));
    const bytes = encodePickle(dict);
    const out = decodePickle(bytes) as Map<readonly unknown[], number>;
    expect(out.size).toBe(5000);
    const decodedKeys = [...out.keys()];
    expect(decodedKeys[0]![1]).toBe(decodedKeys[4999]![1]);
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

  it('refuses nesting over 1000 levels with LimitError', () => {
    let deep: unknown = null;
    for (let i = 0; i < 2000; i++) {
      deep = [deep];
    }
    expect(() => encodePickle(deep)).toThrow(LimitError);
    expect(() => encodePickle(deep)).toThrow('nested over 1000');
  });

  it('refuses a bad protocol with UsageError', () => {
    expect(() => encodePickle(1, { protocol: 5 as 4 })).toThrow(UsageError);
    expect(() => decodePickle(new Uint8Array([0x4e, 0x2e]), { maxDepth: 0 })).toThrow(UsageError);
  });

  it('refuses an invalid decimal string when constructing PyDecimal', () => {
    expect(() => new PyDecimal('1.2.3')).toThrow(TypeError);
  });
});
