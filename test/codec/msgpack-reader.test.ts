/**
 * MsgpackReader: a message read header first, its body built or skipped, under the budget
 * `decodeMsgpack` applies to the whole message.
 */
import { describe, expect, it } from 'vitest';
import type { CodecOptions } from '../../src/codec/codec.js';
import { decodeMsgpack, encodeMsgpack, MsgpackReader } from '../../src/codec/msgpack.js';
import { CodecError, LimitError } from '../../src/errors.js';

const options: CodecOptions = { maxDepth: 64, maxItems: 1_000_000, envelope: 1 };

describe('MsgpackReader', () => {
  it('reads a header, then builds the body', () => {
    const reader = new MsgpackReader(encodeMsgpack([3, 7, { ok: [1n] }], options), options);
    expect(reader.arrayHeader()).toBe(3);
    expect(reader.int()).toBe(3);
    expect(reader.int()).toBe(7);
    expect(reader.done()).toBe(false);
    expect(reader.value()).toEqual({ ok: [1n] });
    expect(reader.done()).toBe(true);
    reader.end();
    expect(reader.items).toBe(7); // the array, 3, 7, the map, its key, its list and 1n
  });

  it('skips a body without building it: no revive hook runs', () => {
    const body = encodeMsgpack(['late', () => 1], { ...options, hooks: { replace: () => 9 } });
    const revived: unknown[] = [];
    const hooks = { revive: (v: unknown) => revived.push(v) };
    const reader = new MsgpackReader(body, { ...options, hooks });
    expect(reader.arrayHeader()).toBe(2);
    expect(reader.string()).toBe('late');
    reader.skip();
    reader.end();
    expect(revived).toEqual([]);
    expect(reader.items).toBe(4);
  });

  it('refuses what is not there, naming what it expected', () => {
    const bytes = encodeMsgpack([{ a: 1 }, 'x', 2n ** 50n, 2n ** 53n], options);
    const reader = new MsgpackReader(bytes, options);
    expect(() => new MsgpackReader(bytes.subarray(1), options).arrayHeader()).toThrow(
      /expected an array, found a map/,
    );
    reader.arrayHeader();
    expect(() => reader.int()).toThrow(/expected an int, found a map/);
    reader.skip();
    expect(() => reader.int()).toThrow(/expected an int, found a str/);
    expect(reader.string()).toBe('x');
    expect(reader.int()).toBe(2 ** 50); // a 64-bit int in the safe range of a number
    expect(() => reader.int()).toThrow(/outside the safe range/);
    const extra = new MsgpackReader(new Uint8Array([0x90, 0x00]), options);
    extra.arrayHeader();
    expect(() => extra.end()).toThrow(/1 bytes after the value/);
  });

  it('applies one budget of items and depth to the whole message, as decodeMsgpack does', () => {
    const small: CodecOptions = { maxDepth: 1, maxItems: 5, envelope: 1 };
    const fits = encodeMsgpack([1, [2, 3]], small);
    const reader = new MsgpackReader(fits, small);
    reader.arrayHeader();
    reader.int();
    expect(reader.value()).toEqual([2, 3]);
    expect(decodeMsgpack(fits, small)).toEqual([1, [2, 3]]);
    for (const [value, error] of [
      [[1, [2, 3, 4]], LimitError], // items
      [[1, [[2]]], LimitError], // depth
    ] as const) {
      const bytes = encodeMsgpack(value, { ...small, maxItems: 100, maxDepth: 10 });
      const r = new MsgpackReader(bytes, small);
      r.arrayHeader();
      r.int();
      expect(() => r.value()).toThrow(error);
      expect(() => decodeMsgpack(bytes, small)).toThrow(error);
    }
  });

  it('refuses a pointer into a value it skipped, with references on', () => {
    const shared = [1];
    const on = { ...options, references: true };
    const reader = new MsgpackReader(encodeMsgpack([shared, shared], on), on);
    reader.arrayHeader();
    reader.skip();
    let error: unknown;
    try {
      reader.value();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CodecError);
    expect((error as Error).message).toMatch(/pointer into a value that was skipped/);
  });
});
