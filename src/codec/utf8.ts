/**
 * UTF-8 for the MessagePack codec, without Node's Buffer: a hand loop for short strings (where
 * TextEncoder and TextDecoder cost more in the call than in the work), the platform's
 * TextEncoder/TextDecoder for long ones, and a validator for values that are skipped unbuilt.
 *
 * Encoding writes a lone surrogate as U+FFFD, as TextEncoder does, so the bytes of a string do
 * not depend on which path wrote them. Decoding is strict: bytes that are not well-formed UTF-8
 * (overlong forms, surrogates, past U+10FFFF, cut sequences) are refused, never replaced, so a
 * string never arrives different from what was sent.
 */

const encoder = new TextEncoder();
// `fatal` makes malformed input throw instead of becoming U+FFFD. Without `stream`, each call
// is independent, so one shared instance is safe for every caller.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strings shorter than this are encoded by the loop below, longer ones by `encodeInto`. */
const SHORT_STRING = 64;

/**
 * Writes `value` as UTF-8 at `pos` and returns the position after it. The caller made room for
 * three bytes per UTF-16 unit.
 */
export function writeUtf8(target: Uint8Array, pos: number, value: string): number {
  const length = value.length;
  if (length >= SHORT_STRING) {
    return pos + encoder.encodeInto(value, target.subarray(pos)).written;
  }
  for (let i = 0; i < length; i++) {
    let c = value.charCodeAt(i);
    if (c < 0x80) {
      target[pos++] = c;
    } else if (c < 0x800) {
      target[pos++] = 0xc0 | (c >> 6);
      target[pos++] = 0x80 | (c & 0x3f);
    } else if ((c & 0xf800) !== 0xd800) {
      target[pos++] = 0xe0 | (c >> 12);
      target[pos++] = 0x80 | ((c >> 6) & 0x3f);
      target[pos++] = 0x80 | (c & 0x3f);
    } else {
      const next = i + 1 < length ? value.charCodeAt(i + 1) : 0;
      if (c < 0xdc00 && (next & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c & 0x3ff) << 10) + (next & 0x3ff);
        i++;
        target[pos++] = 0xf0 | (c >> 18);
        target[pos++] = 0x80 | ((c >> 12) & 0x3f);
        target[pos++] = 0x80 | ((c >> 6) & 0x3f);
        target[pos++] = 0x80 | (c & 0x3f);
      } else {
        // A lone surrogate: UTF-8 cannot hold it.
        target[pos++] = 0xef;
        target[pos++] = 0xbf;
        target[pos++] = 0xbd;
      }
    }
  }
  return pos;
}

/** Decoded by the ASCII loop when at most this long; longer strings go to TextDecoder. */
const SHORT_ASCII = 24;

/**
 * Decodes `length` bytes at `start`, or returns undefined when they are not well-formed UTF-8.
 */
export function readUtf8(bytes: Uint8Array, start: number, length: number): string | undefined {
  if (length <= SHORT_ASCII) {
    let text = '';
    let i = start;
    const end = start + length;
    while (i < end) {
      const c = bytes[i]!;
      if (c >= 0x80) break;
      text += String.fromCharCode(c);
      i++;
    }
    if (i === end) return text;
  }
  try {
    return decoder.decode(bytes.subarray(start, start + length));
  } catch {
    return undefined;
  }
}

/**
 * Whether `length` bytes at `start` are well-formed UTF-8, by the same rules TextDecoder
 * applies (the WHATWG decoder): what `readUtf8` would accept, without building the string.
 */
export function isUtf8(bytes: Uint8Array, start: number, length: number): boolean {
  const end = start + length;
  let i = start;
  while (i < end) {
    const c = bytes[i++]!;
    if (c < 0x80) continue;
    let more: number;
    let low = 0x80;
    let high = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      more = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      if (c === 0xe0) low = 0xa0; // overlong
      if (c === 0xed) high = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      if (c === 0xf0) low = 0x90; // overlong
      if (c === 0xf4) high = 0x8f; // past U+10FFFF
    } else {
      return false;
    }
    if (i + more > end) return false;
    const second = bytes[i++]!;
    if (second < low || second > high) return false;
    for (let k = 1; k < more; k++) {
      const b = bytes[i++]!;
      if (b < 0x80 || b > 0xbf) return false;
    }
  }
  return true;
}
