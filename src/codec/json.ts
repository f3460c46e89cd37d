/**
 * JSON, the JSON-RPC codec: UTF-8 JSON text in bytes, both ways, with farcall's limits.
 *
 * Decoding is linear in the bytes and bounded before anything is built: a scan over the text
 * counts nesting and values (it skips strings as `JSON.parse` reads them, so the two agree on
 * every valid text), then the platform's `JSON.parse` builds the value. Keys named `__proto__`
 * are own data properties, as `JSON.parse` makes them. Numbers are IEEE doubles.
 *
 * Encoding refuses what JSON cannot carry instead of losing it (`JSON.stringify` would write
 * `null` for `NaN`, `{}` for a `Map`, and drop functions): only `null`, booleans, finite numbers,
 * strings, arrays, plain objects (any prototype but `Object.prototype` or none is refused), and
 * `Date` (written as its ISO string, as `toJSON` does) pass. `undefined` is written as JSON writes
 * it: `null` in an array, left out in an object.
 *
 * Errors never quote the content: a message about hostile input must not carry it into logs.
 */
import { CodecError, LimitError } from '../errors.js';
import type { CodecOptions } from './codec.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * Reads UTF-8 JSON text. Throws `CodecError` for bytes that are not UTF-8 or text that is not
 * JSON, and `LimitError` for nesting past `maxDepth` (plus `envelope`) or more than `maxItems`
 * values and keys.
 */
export function decodeJson(bytes: Uint8Array, options: CodecOptions): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new CodecError('the JSON text is not valid UTF-8');
  }
  const maxDepth = options.maxDepth + (options.envelope ?? 0);
  // A text of n characters nests at most n deep and holds at most n + 1 values: a short one
  // (most messages) is under both limits without a scan.
  if (text.length > maxDepth || text.length >= options.maxItems) {
    scan(text, maxDepth, options.maxItems);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // The scan bounds the depth, so a RangeError here is the engine's own stack running out.
    if (error instanceof RangeError) throw new LimitError('the JSON text nests too deeply');
    throw new CodecError('the text is not valid JSON');
  }
}

/**
 * Writes a value as UTF-8 JSON text. Throws `CodecError` for a value JSON cannot carry (a
 * `BigInt`, `NaN` or an infinity, a function, a `Map`, a typed array, a class instance, …) and
 * `LimitError` for nesting past `maxDepth` (plus `envelope`; a cycle is endless nesting) or more
 * than `maxItems` values and keys (a value reached twice is written twice).
 */
export function encodeJson(value: unknown, options: CodecOptions): Uint8Array {
  check(value, options.maxDepth + (options.envelope ?? 0), options.maxItems);
  return utf8(JSON.stringify(value) ?? 'null');
}

/** Room for the UTF-8 of most messages: `encodeInto` it and copy, faster than `encode`. */
const scratch = new Uint8Array(64 * 1024);

function utf8(text: string): Uint8Array {
  // A UTF-16 code unit is at most three UTF-8 bytes.
  if (text.length * 3 > scratch.length) return encoder.encode(text);
  const { written } = encoder.encodeInto(text, scratch);
  return scratch.slice(0, written);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * One pass over the text: depth is the count of open brackets, values are one, plus one after
 * each comma and colon, plus one for each container that is not empty (its first item). Inside a
 * string nothing counts; a string ends at the first quote preceded by an even number of
 * backslashes, which is where `JSON.parse` ends it. On text that is not JSON the counts may be
 * anything, and `JSON.parse` refuses the text after.
 */
function scan(text: string, maxDepth: number, maxItems: number): void {
  let depth = 0;
  let items = 1;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) {
        throw new LimitError(
          `the JSON text nests deeper than ${maxDepth} levels (limits.maxDepth)`,
        );
      }
      let next = i + 1;
      while (next < length && isSpace(text.charCodeAt(next))) next++;
      const after = text.charCodeAt(next);
      if (after !== CLOSE_ARRAY && after !== CLOSE_OBJECT) items++;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    } else if (c === COMMA || c === COLON) {
      items++;
    } else continue;
    if (items > maxItems) {
      throw new LimitError(`the JSON text holds more than ${maxItems} values (limits.maxItems)`);
    }
  }
}

/** The index of the quote that closes the string opening at `start`, or -1 if none does. */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    // Each run of backslashes lies between two quotes, so each is counted once: linear.
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if ((slashes & 1) === 0) return quote;
    from = quote + 1;
  }
}

/**
 * Walks the value, refusing what JSON cannot carry and counting as `scan` does. It recurses,
 * at most `maxDepth` levels (a cycle is refused there); a stack that runs out first, under a
 * very large `maxDepth`, is a `LimitError` too.
 */
function check(root: unknown, maxDepth: number, maxItems: number): void {
  const walk = new Walk(maxDepth, maxItems);
  try {
    walk.value(root, 0);
  } catch (error) {
    if (error instanceof RangeError) throw new LimitError('the value nests too deeply for JSON');
    throw error;
  }
}

class Walk {
  private items = 0;

  constructor(
    private readonly maxDepth: number,
    private readonly maxItems: number,
  ) {}

  value(value: unknown, depth: number): void {
    if (++this.items > this.maxItems) {
      throw new LimitError(
        `the value holds more than ${this.maxItems} values for JSON (limits.maxItems)`,
      );
    }
    switch (typeof value) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return;
      case 'number':
        if (!Number.isFinite(value)) throw new CodecError(`JSON has no ${String(value)}`);
        return;
      case 'object':
        if (value === null || value instanceof Date) return;
        this.container(value, depth);
        return;
      default:
        throw new CodecError(`a ${typeof value} cannot be sent as JSON`);
    }
  }

  private container(value: object, depth: number): void {
    if (depth >= this.maxDepth) {
      throw new LimitError(
        `the value nests deeper than ${this.maxDepth} levels for JSON, or holds a cycle (limits.maxDepth)`,
      );
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) this.value(value[i], depth + 1);
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new CodecError(
        `a ${kindOf(value, proto)} cannot be sent as JSON (plain objects, arrays and dates can)`,
      );
    }
    const keys = Object.keys(value);
    this.items += keys.length;
    for (let i = 0; i < keys.length; i++) {
      this.value((value as Record<string, unknown>)[keys[i]!], depth + 1);
    }
  }
}

/** `Map`, `Uint8Array`, or a class's name, for the message; never the content. */
function kindOf(value: object, proto: object): string {
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (tag !== 'Object') return tag;
  try {
    const name: unknown = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `${name} instance` : 'class instance';
  } catch {
    return 'class instance';
  }
}
