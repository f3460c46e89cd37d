/**
 * Decoded map keys, remembered by their bytes: the same few keys come in every message, and
 * returning the string made the last time saves building it and lets V8 find the property by
 * an interned string. A hit needs the bytes to be equal, so what a key decodes to never depends
 * on what came before; the cache changes only how fast. It is a fixed-size table (a peer that
 * sends many distinct keys only evicts entries), holding keys of up to 16 bytes.
 */
import { readUtf8 } from './utf8.js';

const SLOTS = 4096;
/** Longer keys are decoded every time: rare as keys, and slower to compare. */
export const MAX_CACHED_KEY = 16;

const cachedBytes: (Uint8Array | undefined)[] = new Array(SLOTS).fill(undefined);
const cachedKeys: string[] = new Array(SLOTS).fill('');

/** The key of `length` (at most MAX_CACHED_KEY) bytes at `start`, or undefined if not UTF-8. */
export function cachedKey(bytes: Uint8Array, start: number, length: number): string | undefined {
  let hash = length;
  for (let i = 0; i < length; i++) hash = (Math.imul(hash, 31) + bytes[start + i]!) | 0;
  const slot = (hash ^ (hash >>> 12)) & (SLOTS - 1);
  const seen = cachedBytes[slot];
  if (seen !== undefined && seen.length === length) {
    let i = 0;
    while (i < length && seen[i] === bytes[start + i]) i++;
    if (i === length) return cachedKeys[slot];
  }
  const key = readUtf8(bytes, start, length);
  if (key !== undefined) {
    cachedBytes[slot] = bytes.slice(start, start + length);
    cachedKeys[slot] = key;
  }
  return key;
}
