/**
 * Hand-built hostile pickles that attack the decoder's bookkeeping: truncation, huge lengths,
 * deep nesting, memo tricks, quadratic copying and stack underflow. Each must be refused
 * quickly, with a `CodecError` when it is malformed and a `LimitError` when it passes a limit.
 * Item floods (every kind of push against `maxItems`) are in `hostile-items.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { decodePickle, encodePickle, PyException } from '../../src/codec/pickle/index.js';
import { limited, p, refused, u32, u64 } from './hostile-bytes.js';

describe('pickle hostile: truncation and lengths', () => {
  const samples = [
    encodePickle(
      ['call', Object.freeze([1, 2n ** 80n, 'héllo', new Uint8Array([1, 2])]), { k: new Set([1]) }],
      { protocol: 2 },
    ),
    encodePickle({ when: new Date(0), err: new PyException('KeyError', ['k']) }, { protocol: 3 }),
    encodePickle([1.5, -0, null, true, new Map([[1, 'x']])], { protocol: 4 }),
    p(
      "(lp0\nI1\naF1.5\naS'a\\nb'\naVx\\u20ac\nacbuiltins\nset\n((lI2\natRaL12L\na(dp1\nVk\nI2\nsa.",
    ),
  ];

  it('refuses every strict prefix of valid pickles as truncated', () => {
    for (const sample of samples) {
      expect(() => decodePickle(sample)).not.toThrow();
      for (let length = 0; length < sample.length; length++) {
        refused(sample.subarray(0, length), 'truncated');
      }
    }
  });

  it('refuses lengths larger than the input before allocating', () => {
    const huge = u64(2n ** 60n);
    refused(p(0x80, 4, 0x8d, huge, 'abc.'), 'BINUNICODE8 claims');
    refused(p(0x80, 4, 0x8e, huge, 'abc.'), 'BINBYTES8 claims');
    refused(p(0x80, 5, 0x96, huge, 'abc.'), 'BYTEARRAY8 claims');
    refused(p(0x80, 4, 0x95, u64(2n ** 64n - 1n), 'N.'), 'FRAME claims');
    refused(p('X', u32(0xffffffff), 'abc.'), 'truncated');
    refused(p('B', u32(0xffffffff), 'abc.'), 'truncated');
    refused(p('T', u32(0x7fffffff), 'abc.'), 'truncated');
    refused(p('T', u32(0xffffffff), 'abc.'), 'negative length');
    refused(p(0x80, 2, 0x8b, u32(0x7fffffff), 'abc.'), 'LONG4 length');
    refused(p(0x80, 2, 0x8b, u32(0xffffffff), 'abc.'), 'LONG4 length');
  });

  it('refuses text numbers Python would refuse', () => {
    refused(p(`I${'9'.repeat(5000)}\n.`), 'more than 4300 digits');
    refused(p('I0x10\n.'), 'not a decimal int');
    refused(p('Fabc\n.'), 'not a decimal float');
    refused(p("S'abc\n."), 'not quoted');
  });

  it('refuses long malformed text numbers in linear time', () => {
    const started = performance.now();
    refused(p('F', '1'.repeat(200_000), 'x\n.'), 'not a decimal float');
    refused(p('cdecimal\nDecimal\n(V', '1'.repeat(200_000), 'x\ntR.'), 'one decimal string');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses input over maxBytes', () => {
    limited(p('N.'), 'over maxBytes', { maxBytes: 1 });
  });
});

describe('pickle hostile: depth, items and memo', () => {
  const n = 100_000;

  it('refuses 100k nested lists by maxDepth, quickly', () => {
    const bytes = p(']'.repeat(n), 'a'.repeat(n - 1), '.');
    const started = performance.now();
    limited(bytes, 'deeper than 64 levels (limits.maxDepth)');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses 100k nested MARKs and nested TUPLE1s', () => {
    limited(p('('.repeat(n), 'l'.repeat(n), '.'), 'too many MARKs');
    limited(p(0x80, 2, 'N', '\x85'.repeat(n), '.'), 'limits.maxDepth');
  });

  it('honours a custom maxDepth', () => {
    const nested = p(']'.repeat(5), 'a'.repeat(4), '.');
    expect(() => decodePickle(nested, { maxDepth: 5 })).not.toThrow();
    limited(nested, 'deeper than 4 levels (limits.maxDepth)', { maxDepth: 4 });
  });

  it('refuses a missing memo entry', () => {
    refused(p('h', 5, '.'), 'memo has no entry 5');
    refused(p('j', u32(0xffffffff), '.'), 'memo has no entry 4294967295');
    refused(p('g7\n.'), 'memo has no entry 7');
  });

  it('stores LONG_BINPUT 0xffffffff as one entry', () => {
    expect(decodePickle(p('Nr', u32(0xffffffff), '0j', u32(0xffffffff), '.'))).toBeNull();
  });

  it('refuses a MEMOIZE flood past maxItems', () => {
    const options = { maxItems: 1000 };
    limited(p(0x80, 4, 'N', '\x94'.repeat(1001), '.'), '1000 values (limits.maxItems)', options);
    limited(p(0x80, 4, 'N', '\x94'.repeat(20_000), '.'), '10000 values', { maxItems: 10_000 });
  });

  it('refuses more than a million items by default', () => {
    limited(p(']', '(', 'N'.repeat(1_000_001), 'e.'), 'more than 1000000 values (limits.maxItems)');
  });

  it('refuses copying a memoized list over and over (quadratic work)', () => {
    const list = p(']q', 0, '(', 'K\x01'.repeat(n), 'e0');
    const copy = p('cbuiltins\nset\nh', 0, 0x85, 'R0');
    const bytes = p(0x80, 2, list, ...new Array<Uint8Array>(20).fill(copy), 'N.');
    limited(bytes, 'limits.maxItems');
  });

  it('refuses copying memoized bytes over and over (quadratic work)', () => {
    const size = 100_000;
    const blob = p('B', u32(size), new Uint8Array(size), 'q', 0, '0');
    const copy = p('cbuiltins\nbytearray\nh', 0, 0x85, 'R0');
    const bytes = p(0x80, 3, blob, ...new Array<Uint8Array>(20).fill(copy), 'N.');
    limited(bytes, 'copies more bytes');
  });
});

describe('pickle hostile: stack underflow and malformed containers', () => {
  it.each([
    ['0.', 'stack underflow at POP'],
    ['1.', 'POP_MARK without a MARK'],
    ['2.', 'stack underflow at DUP'],
    ['a.', 'stack underflow at APPEND'],
    ['e.', 'APPENDS without a MARK'],
    ['(e.', 'stack underflow at APPENDS'],
    ['s.', 'stack underflow at SETITEM'],
    ['(u.', 'stack underflow at SETITEMS'],
    ['}(K\x01u.', 'key without a value'],
    ['(K\x01d.', 'key without a value'],
    ['t.', 'TUPLE without a MARK'],
    ['\x80\x02\x87.', 'stack underflow at TUPLE3'],
    ['R.', 'stack underflow at REDUCE'],
    ['b.', 'stack underflow at BUILD'],
    ['\x80\x04\x93.', 'stack underflow at STACK_GLOBAL'],
    ['\x80\x04\x94.', 'stack underflow at MEMOIZE'],
    ['.', 'stack underflow at STOP'],
    ['NN.', 'STOP with 2 values'],
    ['(N.', 'STOP with a MARK still open'],
    ['K\x01K\x02a.', 'APPEND on a value that is not a list'],
    ['NK\x01K\x02s.', 'SETITEM on a value that is not a dict'],
    ['\x80\x04(\x91(K\x01\x90.', 'ADDITEMS on a value that is not a set'],
    ['\x80\x04K\x01K\x02\x93.', 'STACK_GLOBAL needs two str values'],
    ['}]Ns.', 'unhashable'],
    ['\x80\x04(]\x91.', 'unhashable'],
  ])('refuses %j', (text, fragment) => {
    refused(p(text), fragment);
  });
});
