import { describe, expect, it } from 'vitest';
import { ErrorCode, LimitError, ProtocolError } from '../../src/errors.js';
import { pyRepr, pythonStr, toPythonException } from '../../src/protocol/python/errors.js';
import { jsonDumps, jsonLoads } from '../../src/protocol/python/json.js';

describe('python json', () => {
  it('writes what json.dumps writes', () => {
    expect(jsonDumps(['add', [1, 2.5], { k: null }])).toBe('["add", [1, 2.5], {"k": null}]');
    expect(jsonDumps('é✓\u007f')).toBe('"\\u00e9\\u2713\\u007f"');
    expect(jsonDumps([Number.NaN, Number.POSITIVE_INFINITY, -Infinity])).toBe(
      '[NaN, Infinity, -Infinity]',
    );
    expect(jsonDumps(2n ** 70n)).toBe('1180591620717411303424');
    expect(jsonDumps(Object.freeze([true, false]))).toBe('[true, false]');
  });

  it('refuses what json.dumps refuses, and nesting past the limit', () => {
    expect(() => jsonDumps(new Uint8Array(2))).toThrow(/Uint8Array/);
    expect(() => jsonDumps(new Set([1]))).toThrow(/Set/);
    expect(() => jsonDumps([[[1]]], 2)).toThrow(LimitError);
    expect(() => jsonDumps([[[1]]], 2)).toThrow(/deeply/);
  });

  it('reads what json.loads reads, keeping big integers exact', () => {
    expect(jsonLoads('["f", [1, -2.5e3, 12345678901234567890], {"a": [true, null]}]')).toEqual([
      'f',
      [1, -2500, 12345678901234567890n],
      { a: [true, null] },
    ]);
    expect(jsonLoads('[NaN, Infinity, -Infinity]')).toEqual([Number.NaN, Infinity, -Infinity]);
    expect(jsonLoads(' "\\u00e9\\"x" ')).toBe('é"x');
    const parsed = jsonLoads('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
  });

  it('refuses malformed JSON with ProtocolError and deep nesting with LimitError', () => {
    for (const text of ['[1,', '{"a" 1}', '"x', '[1] 2', 'nope', '{1: 2}', '"a\nb"']) {
      expect(() => jsonLoads(text), text).toThrow(ProtocolError);
    }
    expect(() => jsonLoads('[[[1]]]', 2)).toThrow(LimitError);
    expect(() => jsonLoads('[[[1]]]', 2)).toThrow(/deeper than 2 levels/);
  });
});

describe('python exception mapping', () => {
  const wire = (name: string, code: string = ErrorCode.APPLICATION_ERROR) => ({
    name,
    message: 'msg',
    code,
  });

  it('maps JS errors to the Python builtin a Python caller would expect', () => {
    const table: [string, string, unknown[]][] = [
      ['TypeError', 'TypeError', ['msg']],
      ['RangeError', 'ValueError', ['msg']],
      ['ReferenceError', 'NameError', ['msg']],
      ['SyntaxError', 'SyntaxError', ['msg']],
      ['URIError', 'ValueError', ['msg']],
      ['KeyError', 'KeyError', ['msg']],
      ['ZeroDivisionError', 'ZeroDivisionError', ['msg']],
      ['Error', 'Exception', ['Error: msg']],
      ['SystemExit', 'Exception', ['SystemExit: msg']],
      ['EvalError', 'Exception', ['EvalError: msg']],
    ];
    for (const [js, python, args] of table) {
      expect(toPythonException(wire(js), 'f'), js).toEqual({ name: python, args });
    }
  });

  it('raises KeyError(name) for unknown methods and TypeError for refused kwargs', () => {
    expect(
      toPythonException(wire('MethodNotFoundError', ErrorCode.METHOD_NOT_FOUND), 'nope'),
    ).toEqual({
      name: 'KeyError',
      args: ['nope'],
    });
    expect(toPythonException(wire('RemoteError', ErrorCode.INVALID_PARAMS), 'f').name).toBe(
      'TypeError',
    );
  });

  it('prints str(e) as Python does', () => {
    expect(pythonStr('ValueError', ['bad'])).toBe('bad');
    expect(pythonStr('ValueError', [])).toBe('');
    expect(pythonStr('ValueError', ['several', 2])).toBe("('several', 2)");
    expect(pythonStr('KeyError', ['missing'])).toBe("'missing'");
    expect(pythonStr('ValueError', [3])).toBe('3');
    expect(pythonStr('FileNotFoundError', [2, 'No such file', 'x.txt'])).toBe(
      "[Errno 2] No such file: 'x.txt'",
    );
  });

  it('writes repr() as Python does for common values', () => {
    const table: [unknown, string][] = [
      [null, 'None'],
      [true, 'True'],
      [1.5, '1.5'],
      [1e-7, '1e-07'],
      [1e16, '1e+16'],
      [Number.NaN, 'nan'],
      [2n ** 70n, '1180591620717411303424'],
      ["it's", '"it\'s"'],
      ['a\nb\\', "'a\\nb\\\\'"],
      ['\x01é', "'\\x01é'"],
      [new Uint8Array([0, 65, 39]), 'b"\\x00A\'"'],
      [Object.freeze([1]), '(1,)'],
      [Object.freeze([]), '()'],
      [[1, 'a'], "[1, 'a']"],
      [{ k: [null] }, "{'k': [None]}"],
      [new Map([[1, 'one']]), "{1: 'one'}"],
      [new Set(), 'set()'],
    ];
    for (const [value, repr] of table) expect(pyRepr(value)).toBe(repr);
  });
});
