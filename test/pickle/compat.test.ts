/**
 * Pickles CPython 3 no longer writes but Python 2 did (protocols 0 to 2), and other forms
 * the decoder accepts, written out by hand.
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

function latin1(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

describe('pickle compat: Python 2 pickles', () => {
  it('reads Python 2 exceptions and their aliases', () => {
    const error = decodePickle(latin1("cexceptions\nValueError\np0\n(S'bad'\np1\ntp2\nRp3\n."));
    expect(error).toBeInstanceOf(PyException);
    expect(error).toMatchObject({ name: 'ValueError', module: 'builtins', args: ['bad'] });
    const io = decodePickle(latin1("cexceptions\nIOError\n(I2\nS'gone'\ntR.")) as PyException;
    expect(io.name).toBe('OSError');
    expect(io.args).toEqual([2, 'gone']);
    const standard = decodePickle(latin1('cexceptions\nStandardError\n(tR.')) as PyException;
    expect(standard.name).toBe('Exception');
  });

  it('reads protocol 0 numbers: I01/I00 booleans, L longs, F floats', () => {
    expect(
      decodePickle(latin1('(lp0\nI01\naI00\naL12345678901234567890L\naF-0.0\naFnan\na.')),
    ).toEqual([true, false, 12345678901234567890n, -0, Number.NaN]);
    expect(Object.is(decodePickle(latin1('F-0.0\n.')) as number, -0)).toBe(true);
    expect(decodePickle(latin1('I-9007199254740991\n.'))).toBe(-9007199254740991);
  });

  it('reads Python 2 str opcodes as Latin-1 text', () => {
    expect(decodePickle(latin1("S'a\\'b\\x00\\xff\\n\\101'\n."))).toBe("a'b\u0000\u00ff\nA");
    expect(decodePickle(latin1('S"q\\"x"\n.'))).toBe('q"x');
    expect(decodePickle(latin1('U\x03\xe9t\xe9.'))).toBe('été');
    expect(decodePickle(latin1('T\x02\x00\x00\x00ab.'))).toBe('ab');
  });

  it('reads raw-unicode-escape text as Python does', () => {
    expect(decodePickle(latin1('V\\u20ac\\U0001f600\xe9\n.'))).toBe('€😀é');
    expect(decodePickle(latin1('V\\\\u0041\n.'))).toBe('\\\\u0041');
    expect(decodePickle(latin1('V\\\\\\u0041\n.'))).toBe('\\\\A');
    expect(decodePickle(latin1('V\\ud800\n.'))).toBe('\ud800');
  });

  it('reads Python 2 sets, OrderedDicts and datetimes', () => {
    const set = decodePickle(latin1('c__builtin__\nset\np0\n((lp1\nI1\naI2\natp2\nRp3\n.'));
    expect(set).toEqual(new Set([1, 2]));
    const frozen = decodePickle(latin1('c__builtin__\nfrozenset\n((lI3\natR.'));
    expect(frozen).toBeInstanceOf(PyFrozenSet);
    const ordered = decodePickle(
      latin1("ccollections\nOrderedDict\n((lp0\n(lp1\nS'b'\naI1\naa(lS'a'\naI2\naatR."),
    );
    expect(ordered).toEqual(
      new Map<unknown, unknown>([
        ['b', 1],
        ['a', 2],
      ]),
    );
    const when = decodePickle(
      latin1("cdatetime\ndatetime\n(S'\\x07\\xe8\\x01\\x02\\x03\\x04\\x05\\nXp'\ntR."),
    );
    expect(when).toEqual(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)));
  });

  it('reads bytes(), bytearray() and Decimal with no or plain arguments', () => {
    expect(decodePickle(latin1('\x80\x02c__builtin__\nbytes\n)R.'))).toEqual(new Uint8Array(0));
    const bytes = decodePickle(latin1('\x80\x03cbuiltins\nbytes\nC\x02ab\x85R.'));
    expect(bytes).toEqual(new Uint8Array([97, 98]));
    expect(bytes).not.toBeInstanceOf(PyByteArray);
    expect(decodePickle(latin1('\x80\x02c__builtin__\nbytearray\n)R.'))).toBeInstanceOf(
      PyByteArray,
    );
    expect(decodePickle(latin1('cdecimal\nDecimal\n(V-Infinity\ntR.'))).toEqual(
      new PyDecimal('-Infinity'),
    );
  });

  it('reads datetimes carrying datetime.timezone.utc, as CPython writes them', () => {
    const bytes = encodePickle(new Date(Date.UTC(2000, 1, 29, 12)), { protocol: 2 });
    expect(decodePickle(bytes)).toEqual(new Date(Date.UTC(2000, 1, 29, 12)));
    const aware = latin1(
      'cdatetime\ndatetime\n(c_codecs\nencode\n(V\x07\xd0\x02\x1d\x0c\x00\x00\x00\x00\x00\nVlatin1\ntRcdatetime\ntimezone\n(cdatetime\ntimedelta\n(I0\nI0\nI0\ntRtRtR.',
    );
    expect(decodePickle(aware)).toEqual(new Date(Date.UTC(2000, 1, 29, 12)));
  });
});

describe('pickle compat: input forms', () => {
  it('decodes from a Buffer slice with a byte offset', () => {
    const pickle = encodePickle({ a: [1, 'b'] });
    const backing = Buffer.concat([Buffer.from('garbage'), pickle, Buffer.from('more')]);
    const slice = backing.subarray(7, 7 + pickle.length);
    expect(decodePickle(slice)).toEqual({ a: [1, 'b'] });
  });

  it('returns bytes that do not alias the input', () => {
    const pickle = encodePickle(new Uint8Array([1, 2, 3]));
    const out = decodePickle(pickle) as Uint8Array;
    out[0] = 99;
    expect(decodePickle(pickle)).toEqual(new Uint8Array([1, 2, 3]));
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
  });

  it('accepts FRAME (protocol 4) and a PROTO in the middle', () => {
    expect(decodePickle(latin1('\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00K\x07.'))).toBe(7);
    expect(decodePickle(latin1('\x80\x02]\x80\x04K\x01a.'))).toEqual([1]);
  });
});
