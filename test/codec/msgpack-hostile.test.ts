/**
 * Hostile bytes against the MessagePack decoder, from the issue "Small hostile inputs freeze or
 * crash a farcall server" and from reading msgpackr: each is refused with a CodecError or a
 * LimitError, quickly, having built nothing it should not, and with a short message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CodecOptions } from '../../src/codec/codec.js';
import { decodeMsgpack, encodeMsgpack, MsgpackReader } from '../../src/codec/msgpack.js';
import { CodecError, LimitError } from '../../src/errors.js';
import { value } from './values.js';

const off: CodecOptions = { maxDepth: 64, maxItems: 1_000_000 };
const on: CodecOptions = { ...off, references: true };
const revive: CodecOptions = { ...off, hooks: { revive: (v) => v } };

/** Bytes from hex, spaces allowed. */
const hex = (text: string) => new Uint8Array(Buffer.from(text.replace(/ /g, ''), 'hex'));
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const repeat = (text: string, times: number) => hex(text.replace(/ /g, '').repeat(times));
const u32 = (n: number) => n.toString(16).padStart(8, '0');

function failure(bytes: Uint8Array, options: CodecOptions = off): Error {
  try {
    decodeMsgpack(bytes, options);
  } catch (error) {
    return error as Error;
  }
  throw new Error('decoded without a complaint');
}

/**
 * `levels` arrays, each holding the one below twice: the first time defined in place (after an
 * id), the second time as a pointer to it. About 13 bytes a level, 2^(levels+1) values.
 */
function referenceBomb(levels: number): Uint8Array {
  let open = '';
  let close = '';
  for (let level = levels; level >= 1; level--) {
    open += `d669${u32(level + 1)}92`;
    close = `d670${u32(level)}${close}`;
  }
  return hex(`${open}d669${u32(1)}9100${close}`);
}

describe('shared references (issue item 2)', () => {
  it('refuses a DAG of 2^40 values in 700 bytes as a LimitError, with references on', () => {
    const bytes = referenceBomb(40);
    expect(bytes.length).toBeLessThan(700);
    const error = failure(bytes, on);
    expect(error).toBeInstanceOf(LimitError);
    expect(error.message).toMatch(/more than 1000000 items \(limits\.maxItems\)/);
  });

  it('refuses it as a CodecError with references off', () => {
    const error = failure(referenceBomb(40), off);
    expect(error).toBeInstanceOf(CodecError);
    expect(error.message).toMatch(/shared references \(extension 0x69\) are off/);
  });

  it('refuses pointers to unknown ids, ids defined twice, and ids not before an object', () => {
    expect(failure(hex(`d670${u32(9)}`), on).message).toMatch(/unknown reference id/);
    expect(failure(hex(`92 d669${u32(1)} 90 d669${u32(1)} 90`), on).message).toMatch(
      /defined twice/,
    );
    for (const after of [
      '01',
      'a0',
      'c0',
      'd40000',
      `d669${u32(2)} 90`,
      `d670${u32(1)}`,
      'd45200 c0',
    ]) {
      expect(failure(hex(`d669${u32(1)} ${after}`), on).message).toMatch(/followed by an object/);
    }
    // Ids and pointers are fixext4 only.
    expect(failure(hex(`c7 04 69 ${u32(1)} 90`), on)).toBeInstanceOf(CodecError);
  });
});

describe('nesting (issue item 1)', () => {
  it('refuses byte 0xc1 wherever it is, before the deep value behind it', () => {
    const deep = repeat('91', 3000);
    for (const bytes of [
      concat(hex('c1'), deep),
      concat(hex('92 c1'), deep),
      concat(deep.subarray(0, 10), hex('c1')),
    ]) {
      const error = failure(bytes);
      expect(error).toBeInstanceOf(CodecError);
      expect(error.message).toMatch(/0xc1/);
    }
  });

  it.each([
    ['arrays', '91', 'c0', off],
    ['maps', '81 a0', 'c0', off],
    ['Set tags', 'd47300 91', 'c0', off],
    ['Map tags', 'd46d00 92 c0', 'c0', off],
    ['Error tags (cause)', 'd46500 93 a0 a0', 'c0', off],
    ['RegExp tags', 'd47800 92', 'a0 a0', off],
    ['reference tags', 'd45200', 'c0', revive],
    ['shared ids', (i: number) => `d669${u32(i + 1)} 91`, 'c0', on],
  ])('refuses a value 3,000 deep through %s as a LimitError', (_, level, bottom, options) => {
    const levels =
      typeof level === 'string'
        ? repeat(level, 3000)
        : hex(Array.from({ length: 3000 }, (_, i) => level(i)).join(''));
    const error = failure(concat(levels, hex(bottom)), options);
    expect(error).toBeInstanceOf(LimitError);
    expect(error.message).toMatch(/nests deeper than 64 levels \(limits\.maxDepth\)/);
  });

  it('stops a chain of reference tags without a revive hook at the first one', () => {
    const error = failure(concat(repeat('d45200', 100_000), hex('c0')));
    expect(error).toBeInstanceOf(CodecError);
    expect(error.message).toMatch(/does not carry streams or callbacks/);
  });

  it('turns a stack overflow under a huge maxDepth into a LimitError', () => {
    const error = failure(repeat('91', 2_000_000), { maxDepth: 10_000_000, maxItems: 10_000_000 });
    expect(error).toBeInstanceOf(LimitError);
  });
});

describe('extensions msgpackr accepted (issue item 5)', () => {
  it.each([
    ['a record definition', 'd4 72 40 c0'],
    ['a record definition, fixext2', 'd5 72 40 00'],
    ['a string bundle', 'd4 62 00'],
    ['a string bundle, fixext4', `d6 62 ${u32(5)}`],
    ['an ArrayBuffer (typed array kind 16)', 'c7 02 74 10 00'],
    ['a DataView (typed array kind 17)', 'c7 02 74 11 00'],
    ['an unknown type', 'd4 01 00'],
    ['undefined with other data', 'd4 00 01'],
    ['a tag in ext8 form', 'c7 01 73 00 90'],
    ['a tag with data 01', 'd4 73 01 90'],
  ])('refuses %s', (_, bytes) => {
    expect(failure(hex(bytes))).toBeInstanceOf(CodecError);
  });

  it('builds errors from any name without touching a prototype', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const errorBefore = Object.getOwnPropertyNames(Error.prototype).sort();
    const str = (text: string) => Buffer.from(encodeMsgpack(text, off)).toString('hex');
    const names = ['constructor', '__proto__', '__defineGetter__', 'toString', 'valueOf'];
    for (const name of [...names, 'hasOwnProperty', 'prototype']) {
      // [name, "m", undefined, {__proto__: {polluted: true}, constructor: 1}]
      const fields = `82 ${str('__proto__')} 81 ${str('polluted')} c3 ${str('constructor')} 01`;
      const bytes = hex(`d46500 94 ${str(name)} ${str('m')} d40000 ${fields}`);
      const error = decodeMsgpack(bytes, off) as Error & Record<string, unknown>;
      expect(Object.getPrototypeOf(error)).toBe(Error.prototype);
      expect(error.name).toBe(name);
      expect(error.message).toBe('m');
      expect(Object.getOwnPropertyDescriptor(error, '__proto__')?.value).toEqual({
        polluted: true,
      });
      expect(Object.getOwnPropertyDescriptor(error, 'constructor')?.value).toBe(1);
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(Object.getOwnPropertyNames(Error.prototype).sort()).toEqual(errorBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an error whose name is not a str, or whose fields repeat name or message', () => {
    expect(failure(hex('d46500 93 01 a0 d40000'))).toBeInstanceOf(CodecError);
    expect(failure(hex('d46500 94 a0 a0 d40000 81 a76d657373616765 a0'))).toBeInstanceOf(
      CodecError,
    );
    expect(failure(hex('d46500 95 a0 a0 d40000 80 c0'))).toBeInstanceOf(CodecError);
  });
});

describe('maps and keys', () => {
  it('defines a key __proto__ as an own property, never the prototype', () => {
    const object = decodeMsgpack(
      hex('81 a95f5f70726f746f5f5f 81 a8706f6c6c75746564 c3'),
      off,
    ) as object;
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
    expect(Object.keys(object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['nil', '81 c0 01'],
    ['an array', '81 90 01'],
    ['a map', '81 80 01'],
    ['bin', '81 c40100 01'],
    ['a bool', '81 c3 01'],
    ['an ext', '81 d40000 01'],
  ])('refuses %s as a map key', (_, bytes) => {
    expect(failure(hex(bytes)).message).toMatch(/map key/);
  });
});

describe('memory (issue item 4)', () => {
  it('refuses 1 MiB of empty maps at the header, building none of them', () => {
    const bytes = concat(hex(`dd ${u32(1 << 20)}`), new Uint8Array(1 << 20).fill(0x80));
    const reader = new MsgpackReader(bytes, off);
    expect(() => reader.value()).toThrow(LimitError);
    expect(reader.items).toBe(1); // the array itself: not one map was read
    expect(failure(new Uint8Array(1 << 20).fill(0x80))).toBeInstanceOf(CodecError); // trailing
  });

  it('refuses a container longer than the bytes left before allocating it', () => {
    const error = failure(hex('dd ffffffff 00'));
    expect(error).toBeInstanceOf(CodecError);
    expect(error.message).toMatch(/announces 4294967295 values, 1 bytes left/);
    expect(failure(hex('df ffffffff'))).toBeInstanceOf(CodecError);
    expect(failure(hex('c6 ffffffff 00'))).toBeInstanceOf(CodecError);
  });
});

describe('malformed values', () => {
  it.each([
    ['invalid UTF-8', 'a1 ff'],
    ['an overlong form', 'a2 c0 80'],
    ['a UTF-8 surrogate', 'a3 eda080'],
    ['a cut sequence', 'a2 e282'],
    ['a long invalid str', `d9 40 ${'61'.repeat(63)}ff`],
    ['a timestamp of 5 bytes', 'c7 05 ff 0000000000'],
    ['a timestamp with 10^9 ns', `c7 0c ff 3b9aca00 ${'00'.repeat(8)}`],
    ['a timestamp past a Date', `c7 0c ff 00000000 7fffffffffffffff`],
    ['a typed array of kind 11', 'c7 02 74 0b 00'],
    ['a typed array of half an Int16', 'c7 02 74 03 00'],
    ['an empty BigInt', 'c7 00 42'],
    ['a Map tag before an odd array', 'd46d00 91 c0'],
    ['a Map tag before a map', 'd46d00 80'],
    ['a Set tag before nil', 'd47300 c0'],
    ['a RegExp tag before three items', 'd47800 93 a0 a0 a0'],
    ['a RegExp of numbers', 'd47800 92 01 02'],
    ['an invalid RegExp', 'd47800 92 a128 a0'],
    ['invalid RegExp flags', 'd47800 92 a161 a17a'],
    ['an Error tag before two items', 'd46500 92 a0 a0'],
  ])('refuses %s', (_, bytes) => {
    expect(failure(hex(bytes))).toBeInstanceOf(CodecError);
  });

  it('says little about trailing bytes, and nothing of the value', () => {
    const secret = 'SECRET-'.repeat(20);
    const error = failure(concat(encodeMsgpack({ secret, list: [secret, 1n] }, off), hex('00')));
    expect(error).toBeInstanceOf(CodecError);
    expect(error.message.length).toBeLessThan(200);
    expect(error.message).not.toMatch(/SECRET/);
    expect(error.message).toMatch(/1 bytes after the value/);
  });

  it('refuses every truncation of a valid message as a CodecError, decoded or skipped', () => {
    const shared = { k: [1.5, 'x'] };
    const message = [
      1,
      2 ** 40,
      -7,
      'héllo',
      new Uint8Array([1, 2]),
      new Int16Array([3]),
      new Map([[shared, new Set([shared])]]),
      new TypeError('t', { cause: /x/g }),
      new Date(1),
      [undefined, null, true, -0, 2n ** 70n],
      { shared },
    ];
    for (const options of [off, on]) {
      const bytes = encodeMsgpack(message, options);
      for (let end = 0; end < bytes.length; end++) {
        const prefix = bytes.subarray(0, end);
        expect(failure(prefix, options), `prefix of ${end} bytes`).toBeInstanceOf(CodecError);
        expect(() => new MsgpackReader(prefix, options).skip()).toThrow(CodecError);
      }
    }
  });

  it('throws only CodecError or LimitError on random bytes, decoding or skipping alike', () => {
    const outcome = (run: () => unknown) => {
      try {
        run();
        return 'ok';
      } catch (error) {
        if (error instanceof CodecError) return 'codec';
        if (error instanceof LimitError) return 'limit';
        throw error;
      }
    };
    const options = fc.constantFrom(off, on, revive, { maxDepth: 3, maxItems: 20 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), options, (bytes, o) => {
        const decoded = outcome(() => decodeMsgpack(bytes, o));
        const skipped = outcome(() => {
          const reader = new MsgpackReader(bytes, o);
          reader.skip();
          reader.end();
        });
        expect(skipped).toBe(decoded);
      }),
      { numRuns: 3000 },
    );
  });

  it('skips exactly what it decodes, on valid messages too', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodeMsgpack(v, off);
        const reader = new MsgpackReader(bytes, off);
        reader.skip();
        expect(reader.done()).toBe(true);
        const decoding = new MsgpackReader(bytes, off);
        decoding.value();
        expect(reader.items).toBe(decoding.items);
      }),
      { numRuns: 300 },
    );
  });
});
