/**
 * The two escape syntaxes of the protocol 0 text opcodes: `raw-unicode-escape` for UNICODE
 * (`V`) and the `repr()` of a Python 2 byte string for STRING (`S`).
 */
import { CodecError } from '../../errors.js';

const BACKSLASH = 0x5c;

function hexValue(bytes: Uint8Array, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = Number.parseInt(String.fromCharCode(bytes[i] ?? 0), 16);
    if (Number.isNaN(digit)) {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

/**
 * Decodes Python's `raw-unicode-escape`: bytes stand for the code points of the same value,
 * except `\uXXXX` and `\UXXXXXXXX`, which stand for the code point they spell. As in Python,
 * a `\u` counts as an escape only after an odd run of backslashes (`\\u` is literal).
 *
 * @throws {CodecError} on a truncated or out-of-range `\u`/`\U` escape.
 */
export function decodeRawUnicodeEscape(bytes: Uint8Array): string {
  const parts: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    if (byte !== BACKSLASH) {
      parts.push(String.fromCharCode(byte));
      i++;
      continue;
    }
    let run = 0;
    while (bytes[i + run] === BACKSLASH) {
      run++;
    }
    const kind = bytes[i + run];
    const isEscape = run % 2 === 1 && (kind === 0x75 || kind === 0x55);
    parts.push('\\'.repeat(isEscape ? run - 1 : run));
    i += run;
    if (isEscape) {
      const digits = kind === 0x75 ? 4 : 8;
      const codePoint = hexValue(bytes, i + 1, digits);
      if (codePoint < 0 || codePoint > 0x10ffff || i + 1 + digits > bytes.length) {
        throw new CodecError('farcall: pickle UNICODE has a bad \\u or \\U escape');
      }
      parts.push(String.fromCodePoint(codePoint));
      i += 1 + digits;
    }
  }
  return parts.join('');
}

const SIMPLE_ESCAPES: ReadonlyMap<number, number> = new Map([
  [0x5c, 0x5c], // \\
  [0x27, 0x27], // \'
  [0x22, 0x22], // \"
  [0x61, 0x07], // \a
  [0x62, 0x08], // \b
  [0x66, 0x0c], // \f
  [0x6e, 0x0a], // \n
  [0x72, 0x0d], // \r
  [0x74, 0x09], // \t
  [0x76, 0x0b], // \v
]);

/**
 * Decodes the body of a STRING opcode, the `repr()` of a Python 2 `str` without its quotes,
 * as Python's `codecs.escape_decode` does: `\\`, `\'`, `\"`, `\a` … `\v`, `\xHH`, up to
 * three octal digits, and a backslash before a newline (dropped). An unknown escape keeps its
 * backslash, as in Python.
 *
 * @throws {CodecError} on a `\x` escape without two hex digits or a trailing backslash.
 */
export function decodeStringEscape(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    if (byte !== BACKSLASH) {
      out.push(byte);
      i++;
      continue;
    }
    const [value, size] = readEscape(bytes, i + 1);
    if (value >= 0) {
      out.push(value);
    } else if (value === -1) {
      out.push(BACKSLASH, bytes[i + 1]!);
    }
    i += 1 + size;
  }
  return Uint8Array.from(out);
}

/** The escape after a backslash: its byte value (-1 for "not an escape", -2 for none) and size. */
function readEscape(bytes: Uint8Array, at: number): [number, number] {
  const kind = bytes[at];
  if (kind === undefined) {
    throw new CodecError('farcall: pickle STRING ends with a lone backslash');
  }
  const simple = SIMPLE_ESCAPES.get(kind);
  if (simple !== undefined) {
    return [simple, 1];
  }
  if (kind === 0x0a) {
    return [-2, 1];
  }
  if (kind === 0x78) {
    const value = hexValue(bytes, at + 1, 2);
    if (value < 0 || at + 3 > bytes.length) {
      throw new CodecError('farcall: pickle STRING has a bad \\x escape');
    }
    return [value, 3];
  }
  if (kind >= 0x30 && kind <= 0x37) {
    let value = 0;
    let size = 0;
    while (size < 3 && bytes[at + size]! >= 0x30 && bytes[at + size]! <= 0x37) {
      value = value * 8 + (bytes[at + size]! - 0x30);
      size++;
    }
    return [value & 0xff, size];
  }
  return [-1, 1];
}
