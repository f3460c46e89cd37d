/**
 * Opcodes that push a scalar: None, booleans, ints, floats, strings, bytes and bytearrays.
 */
import { CodecError } from '../../errors.js';
import { decodeRawUnicodeEscape, decodeStringEscape } from './escapes.js';
import { decodeLong, MAX_LONG_BYTES, parseDecimalInt } from './ints.js';
import type { Machine } from './machine.js';
import { OP } from './opcodes.js';
import type { OpTable } from './ops-table.js';
import { asciiLine, decodeLatin1, decodeUtf8 } from './text.js';
import { PyByteArray } from './values.js';

/** INT: a decimal line; `00` and `01` are protocol 0's False and True. */
function loadInt(m: Machine): void {
  const text = asciiLine(m.reader.line('INT'));
  if (text === '00' || text === '01') {
    m.push(text === '01');
    return;
  }
  m.push(parseDecimalInt(text, 'INT'));
}

/** LONG: a decimal line, with Python 2's trailing `L`. */
function loadLongText(m: Machine): void {
  const text = asciiLine(m.reader.line('LONG'));
  m.push(parseDecimalInt(text.endsWith('L') ? text.slice(0, -1) : text, 'LONG'));
}

function loadLongBinary(m: Machine, size: number, what: string): void {
  if (size < 0 || size > MAX_LONG_BYTES) {
    throw new CodecError(`farcall: pickle ${what} length ${size} is out of range`);
  }
  m.push(decodeLong(m.reader.take(size, what)));
}

// Unambiguous (each digit can match one way), so a long line cannot make it backtrack.
const FLOAT_TEXT = /^\s*[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)\s*$/i;

/** FLOAT: `repr(float)` on a line, including `inf`, `-inf` and `nan`. */
function loadFloatText(m: Machine): void {
  const text = asciiLine(m.reader.line('FLOAT'));
  if (!FLOAT_TEXT.test(text)) {
    throw new CodecError('farcall: pickle FLOAT is not a decimal float');
  }
  const trimmed = text.trim().toLowerCase();
  const sign = trimmed.startsWith('-') ? -1 : 1;
  const body = trimmed.replace(/^[+-]/, '');
  if (body.startsWith('inf')) {
    m.push(sign * Number.POSITIVE_INFINITY);
  } else if (body === 'nan') {
    m.push(Number.NaN);
  } else {
    m.push(Number(trimmed));
  }
}

/** STRING: a quoted Python 2 `str` repr. Its bytes are read as Latin-1 (see index.ts). */
function loadStringText(m: Machine): void {
  const line = m.reader.line('STRING');
  const quote = line[0];
  const quoted = line.length >= 2 && (quote === 0x27 || quote === 0x22);
  if (!quoted || line[line.length - 1] !== quote) {
    throw new CodecError('farcall: pickle STRING is not quoted');
  }
  m.push(decodeLatin1(decodeStringEscape(line.subarray(1, -1))));
}

function signedLength(size: number, what: string): number {
  if (size < 0) {
    throw new CodecError(`farcall: pickle ${what} has a negative length`);
  }
  return size;
}

/** The table entries for every scalar opcode. */
export function scalarOps(): OpTable {
  return [
    [OP.NONE, (m) => m.push(null)],
    [OP.NEWTRUE, (m) => m.push(true)],
    [OP.NEWFALSE, (m) => m.push(false)],
    [OP.INT, loadInt],
    [OP.BININT, (m) => m.push(m.reader.i32('BININT'))],
    [OP.BININT1, (m) => m.push(m.reader.u8('BININT1'))],
    [OP.BININT2, (m) => m.push(m.reader.u16('BININT2'))],
    [OP.LONG, loadLongText],
    [OP.LONG1, (m) => loadLongBinary(m, m.reader.u8('LONG1'), 'LONG1')],
    [OP.LONG4, (m) => loadLongBinary(m, m.reader.i32('LONG4'), 'LONG4')],
    [OP.FLOAT, loadFloatText],
    [OP.BINFLOAT, (m) => m.push(m.reader.f64be('BINFLOAT'))],
    [OP.STRING, loadStringText],
    [
      OP.BINSTRING,
      (m) => pushLatin1(m, signedLength(m.reader.i32('BINSTRING'), 'BINSTRING'), 'BINSTRING'),
    ],
    [OP.SHORT_BINSTRING, (m) => pushLatin1(m, m.reader.u8('SHORT_BINSTRING'), 'SHORT_BINSTRING')],
    [OP.UNICODE, (m) => m.push(decodeRawUnicodeEscape(m.reader.line('UNICODE')))],
    [OP.BINUNICODE, (m) => pushUtf8(m, m.reader.u32('BINUNICODE'), 'BINUNICODE')],
    [OP.SHORT_BINUNICODE, (m) => pushUtf8(m, m.reader.u8('SHORT_BINUNICODE'), 'SHORT_BINUNICODE')],
    [OP.BINUNICODE8, (m) => pushUtf8(m, m.reader.length64('BINUNICODE8'), 'BINUNICODE8')],
    [OP.BINBYTES, (m) => m.push(m.reader.copy(m.reader.u32('BINBYTES'), 'BINBYTES'))],
    [
      OP.SHORT_BINBYTES,
      (m) => m.push(m.reader.copy(m.reader.u8('SHORT_BINBYTES'), 'SHORT_BINBYTES')),
    ],
    [OP.BINBYTES8, (m) => m.push(m.reader.copy(m.reader.length64('BINBYTES8'), 'BINBYTES8'))],
    [OP.BYTEARRAY8, loadByteArray8],
  ];
}

function pushLatin1(m: Machine, size: number, what: string): void {
  m.push(decodeLatin1(m.reader.take(size, what)));
}

function pushUtf8(m: Machine, size: number, what: string): void {
  m.push(decodeUtf8(m.reader.take(size, what), what));
}

function loadByteArray8(m: Machine): void {
  const size = m.reader.length64('BYTEARRAY8');
  const out = new PyByteArray(size);
  out.set(m.reader.take(size, 'BYTEARRAY8'));
  m.push(out);
}
