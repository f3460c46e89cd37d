/**
 * Text conversions pickle needs and `TextDecoder` does not give: UTF-8 with Python's
 * `surrogatepass` error handler (a lone surrogate travels as its 3-byte UTF-8 form), Latin-1,
 * and the escape syntaxes of the protocol 0 text opcodes.
 */
import { CodecError } from '../../errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Decodes UTF-8 as Python's `bytes.decode('utf-8', 'surrogatepass')` does. Lone surrogates
 * (`ED A0 80`) become lone UTF-16 code units; a surrogate pair written as two 3-byte forms
 * becomes the JavaScript pair, the same string as the astral character (JavaScript cannot
 * tell them apart).
 *
 * @throws {CodecError} on any other invalid UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  // Well-formed UTF-8 is the common case and TextDecoder is much faster than the loop below.
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return decodeUtf8Slow(bytes, what);
  }
}

function decodeUtf8Slow(bytes: Uint8Array, what: string): string {
  const units: number[] = [];
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const [codePoint, size] = readCodePoint(bytes, i, what);
    i += size;
    if (codePoint > 0xffff) {
      units.push(0xd800 + ((codePoint - 0x10000) >> 10), 0xdc00 + ((codePoint - 0x10000) & 0x3ff));
    } else {
      units.push(codePoint);
    }
    // Flush in chunks: String.fromCharCode takes its arguments on the stack.
    if (units.length >= 4096) {
      out += String.fromCharCode(...units.splice(0));
    }
  }
  return out + String.fromCharCode(...units);
}

/** One UTF-8 sequence at `i`: its code point and length. Surrogates are let through. */
function readCodePoint(bytes: Uint8Array, i: number, what: string): [number, number] {
  const lead = bytes[i]!;
  if (lead < 0x80) {
    return [lead, 1];
  }
  const size = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (size === 0 || lead > 0xf4 || i + size > bytes.length) {
    throw invalidUtf8(what, i);
  }
  let codePoint = lead & (0xff >> (size + 1));
  for (let k = 1; k < size; k++) {
    const next = bytes[i + k]!;
    if ((next & 0xc0) !== 0x80) {
      throw invalidUtf8(what, i);
    }
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  // Overlong forms and code points past U+10FFFF are invalid even under surrogatepass.
  const minimum = size === 2 ? 0x80 : size === 3 ? 0x800 : 0x10000;
  if (codePoint < minimum || codePoint > 0x10ffff) {
    throw invalidUtf8(what, i);
  }
  return [codePoint, size];
}

function invalidUtf8(what: string, offset: number): CodecError {
  return new CodecError(`farcall: pickle ${what} is not valid UTF-8 (at byte ${offset})`);
}

/** Encodes as Python's `str.encode('utf-8', 'surrogatepass')`: lone surrogates are kept. */
export function encodeUtf8(text: string): Uint8Array {
  if (!LONE_SURROGATE.test(text)) {
    return utf8Encoder.encode(text);
  }
  // TextEncoder would replace each lone surrogate with U+FFFD, so encode the well-formed runs
  // between them with it and write each lone surrogate's 3-byte form by hand.
  const chunks: Uint8Array[] = [];
  const finder = new RegExp(LONE_SURROGATE.source, 'g');
  let last = 0;
  for (let match = finder.exec(text); match !== null; match = finder.exec(text)) {
    const unit = text.charCodeAt(match.index);
    chunks.push(utf8Encoder.encode(text.slice(last, match.index)));
    chunks.push(
      Uint8Array.of(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)),
    );
    last = match.index + 1;
  }
  chunks.push(utf8Encoder.encode(text.slice(last)));
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Each byte as the code point of the same value (Python's `latin-1` codec). */
export function decodeLatin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return out;
}

/**
 * The inverse of `decodeLatin1`.
 *
 * @throws {CodecError} when a character is above U+00FF.
 */
export function encodeLatin1(text: string, what: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 0xff) {
      throw new CodecError(`farcall: pickle ${what} has a character above U+00FF`);
    }
    out[i] = unit;
  }
  return out;
}

/** An ASCII text line (a protocol 0 number or memo index) as a string. */
export function asciiLine(bytes: Uint8Array): string {
  return decodeLatin1(bytes);
}
