/**
 * Every walk the Python protocol makes over decoded values is linear and bounded: `str(e)` of
 * a received exception (`pythonStr`, `pyRepr`), the description in a refusal (`describe`), the
 * JSON form both ways, and `PyException.message`. A DAG from a peer costs what it prints, never
 * its expansion as a tree; and the JSON form counts items against `limits.maxItems`.
 */
import { describe, expect, it } from 'vitest';
import { encodePickle, PyException } from '../../src/codec/pickle/index.js';
import { CodecError, LimitError, ProtocolError } from '../../src/errors.js';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import { fromPyException, pyRepr, pythonStr } from '../../src/protocol/python/errors.js';
import { jsonDumps, jsonLoads } from '../../src/protocol/python/json.js';
import { decodeCall } from '../../src/protocol/python/messages.js';
import { MAX_TEXT } from '../../src/protocol/python/repr.js';

/** A list holding the list below it twice, `levels` deep: 2^levels paths, `levels` arrays. */
function dag(levels: number): unknown[] {
  let value: unknown[] = [];
  for (let level = 0; level < levels; level++) value = [value, value];
  return value;
}

const settings = { pickleProtocol: 4 as const, maxDepth: 64, maxItems: DEFAULT_LIMITS.maxItems };

describe("python protocol: str(e) of a peer's exception is bounded", () => {
  it('prints a 2^60-path DAG as its first MAX_TEXT characters, cut with …', () => {
    const message = pythonStr('ValueError', ['rogue', dag(60)]);
    expect(message).toHaveLength(MAX_TEXT);
    expect(message.startsWith("('rogue', [[[[")).toBe(true);
    expect(message.endsWith('…')).toBe(true);
    const error = fromPyException(new PyException('ValueError', [dag(60)]));
    expect(error.message).toHaveLength(MAX_TEXT);
    const args = (error.data as { args: unknown[][] }).args;
    expect(args[0]![0]).toBe(args[0]![1]);
  });

  it('prints cycles as Python does', () => {
    const list: unknown[] = [1];
    list.push(list);
    const dict: Record<string, unknown> = {};
    dict.me = dict;
    expect(pyRepr(list)).toBe('[1, [...]]');
    expect(pyRepr(dict)).toBe("{'me': {...}}");
    const error = new PyException('ValueError', []);
    const args = [error];
    const cyclic = new PyException('KeyError', args);
    expect(pyRepr(new PyException('TypeError', [cyclic, cyclic]))).toBe(
      'TypeError(KeyError(ValueError()), KeyError(ValueError()))',
    );
  });

  it('cuts long strs, bytes and Decimals before quoting, and names huge ints', () => {
    const long = 'x'.repeat(16 * 1024 * 1024);
    expect(pythonStr('ValueError', [long])).toHaveLength(MAX_TEXT);
    expect(pythonStr('KeyError', [long])).toHaveLength(MAX_TEXT);
    expect(pyRepr(new Uint8Array(16 * 1024 * 1024))).toHaveLength(MAX_TEXT);
    const huge = 1n << 8_000_000n;
    expect(pyRepr(huge)).toBe('<int of more than 4300 digits>');
    expect(pyRepr(-huge)).toBe('<int of more than 4300 digits>');
    expect(pyRepr(10n ** 4299n, 5000)).toHaveLength(4300);
    expect(pythonStr('ValueError', new Array(100_000).fill(huge))).toHaveLength(MAX_TEXT);
  });

  it('lists a big shared dict’s keys once, however often the value reaches it', () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) big[`k${i}`] = i;
    const value = new Array(10_000).fill(big);
    expect(pyRepr(value)).toHaveLength(MAX_TEXT);
    const map = new Map(Object.entries(big));
    expect(pyRepr(new Array(10_000).fill(map))).toHaveLength(MAX_TEXT);
  });

  it('keeps PyException.message linear: containers are tagged, not expanded', () => {
    const error = new PyException('ValueError', ['a', 2, dag(60), new Map(), 1n << 20_000n]);
    expect(error.message).toBe('a, 2, <list of 2>, <dict>, <int of more than 4300 digits>');
    expect(String(error)).toBe(`ValueError: ${error.message}`);
  });
});

describe('python protocol: refusals describe a value without walking it', () => {
  it("names a dict by its type even when it has a key 'constructor'", () => {
    const hostile = { constructor: { name: dag(22) } };
    const frame = encodePickle(hostile);
    expect(() => decodeCall(frame, settings)).toThrow(ProtocolError);
    expect(() => decodeCall(frame, settings)).toThrow(/got a dict$/);
    const call = encodePickle(Object.freeze(['f', Object.freeze([]), hostile]));
    expect(() => decodeCall(call, settings)).not.toThrow();
    const bad = encodePickle(Object.freeze(['f', hostile, {}]));
    expect(() => decodeCall(bad, settings)).toThrow(/must be a tuple or list, got a dict$/);
  });
});

describe('python protocol: the JSON form is bounded both ways', () => {
  it('reads at most maxItems values and keys, and says so with LimitError', () => {
    const lists = (n: number) => `[${new Array(n).fill('[]').join(',')}]`;
    expect(jsonLoads(lists(999), 64, 1000)).toHaveLength(999);
    expect(() => jsonLoads(lists(1000), 64, 1000)).toThrow(LimitError);
    expect(() => jsonLoads(lists(1000), 64, 1000)).toThrow(
      'JSON message holds more than 1000 values (limits.maxItems)',
    );
    const keys = `{${Array.from({ length: 600 }, (_, i) => `"k${i}": 0`).join(', ')}}`;
    expect(() => jsonLoads(keys, 64, 1000)).toThrow(LimitError);
    expect(() => jsonLoads('[[[1]]]', 2)).toThrow(LimitError);
    expect(() => jsonLoads('[[[1]]]', 2)).toThrow('limits.maxDepth');
  });

  it('refuses ints of more than 4300 digits, as Python does', () => {
    expect(jsonLoads(`-${'9'.repeat(4300)}`)).toBe(-(10n ** 4300n - 1n));
    expect(() => jsonLoads('9'.repeat(4301))).toThrow(ProtocolError);
    expect(() => jsonDumps(10n ** 4300n)).toThrow(CodecError);
    expect(jsonDumps(10n ** 4299n)).toHaveLength(4300);
  });

  it('writes a shared value out for each use, up to maxItems, then refuses with LimitError', () => {
    expect(jsonDumps(dag(3))).toBe('[[[[], []], [[], []]], [[[], []], [[], []]]]');
    expect(() => jsonDumps(dag(20), 64, 10_000)).toThrow(LimitError);
    expect(() => jsonDumps(dag(60))).toThrow('more than 1000000 values (limits.maxItems)');
  });
});
