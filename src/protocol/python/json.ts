import { CodecError, LimitError, ProtocolError } from '../../errors.js';
import { DEFAULT_LIMITS } from '../../limits.js';

/**
 * JSON as Python's `json` module writes and reads it, for the recipe's JSON form: `NaN` and
 * `Infinity` are allowed both ways (Python emits them), integers past 2^53 stay exact as
 * `bigint`, and `dumps` uses Python's default separators and `ensure_ascii` escaping so the text
 * is what `json.dumps` would have produced.
 *
 * Both ways the work is linear and bounded: `loads` counts every value and key against
 * `maxItems` and `dumps` every value it writes, so a shared value, which JSON can only repeat,
 * cannot expand past `maxItems`; ints of more than 4300 digits are refused both ways, as
 * Python refuses them (and as their conversion is quadratic).
 */

/** Python's `int_max_str_digits`: longer ints are refused by `json.loads` and `json.dumps`. */
const MAX_INT_DIGITS = 4300;
const HUGE_INT = 10n ** BigInt(MAX_INT_DIGITS);

function tooManyItems(maxItems: number, what: string): LimitError {
  return new LimitError(`${what} more than ${maxItems} values (limits.maxItems)`);
}

/**
 * Python's `json.dumps(value)`. Tuples and lists become arrays, plain objects become objects.
 * Throws `CodecError` for values JSON cannot carry (bytes, sets, maps, class instances, objects
 * with non-plain prototypes, ints of more than 4300 digits) and `LimitError` for nesting past
 * `maxDepth` or more than `maxItems` values written (a value reached twice is written twice).
 */
export function jsonDumps(
  value: unknown,
  maxDepth = DEFAULT_LIMITS.maxDepth,
  maxItems = DEFAULT_LIMITS.maxItems,
): string {
  let left = maxItems;
  const dump: Dump = (item, depth) => {
    if (--left < 0) throw tooManyItems(maxItems, 'the JSON form of the value holds');
    return dumpOne(item, depth, dump);
  };
  return dump(value, maxDepth);
}

type Dump = (value: unknown, depth: number) => string;

function dumpOne(value: unknown, depth: number, dump: Dump): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (Number.isNaN(value)) return 'NaN';
      if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
      return String(value);
    case 'bigint':
      if (value >= HUGE_INT || value <= -HUGE_INT) {
        throw new CodecError(
          `an int of more than ${MAX_INT_DIGITS} digits cannot be sent in the JSON form`,
        );
      }
      return value.toString();
    case 'string':
      // Python's ensure_ascii: DEL and everything past ASCII as \uXXXX (surrogate pairs as two escapes).
      return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => {
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      });
  }
  if (depth <= 0) {
    throw new LimitError('value nested too deeply for JSON (limits.maxDepth)');
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => dump(item, depth - 1)).join(', ')}]`;
  }
  if (isPlainObject(value)) {
    const fields = Object.entries(value).map(
      ([key, item]) => `${dump(key, depth)}: ${dump(item, depth - 1)}`,
    );
    return `{${fields.join(', ')}}`;
  }
  const what = (value as object).constructor?.name ?? typeof value;
  throw new CodecError(`a ${what} cannot be sent in the JSON form (json.dumps would refuse it)`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;
const CONSTANTS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['true', true],
  ['false', false],
  ['null', null],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
]);

/**
 * Python's `json.loads(text)`: integers beyond the safe range decode as `bigint`, `NaN` and
 * `Infinity` are accepted. Throws `ProtocolError` on malformed text or an int of more than 4300
 * digits, `LimitError` for nesting past `maxDepth` or more than `maxItems` values and keys.
 */
export function jsonLoads(
  text: string,
  maxDepth = DEFAULT_LIMITS.maxDepth,
  maxItems = DEFAULT_LIMITS.maxItems,
): unknown {
  const parser = new Parser(text, maxDepth, maxItems);
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.pos !== text.length) parser.fail('extra data');
  return value;
}

class Parser {
  pos = 0;
  private items = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly maxItems: number,
  ) {}

  fail(what: string): never {
    throw new ProtocolError(`malformed JSON message: ${what} at character ${this.pos}`);
  }

  skipSpace(): void {
    WHITESPACE.lastIndex = this.pos;
    WHITESPACE.test(this.text);
    this.pos = WHITESPACE.lastIndex;
  }

  /** Counts one more value or key against `maxItems`. */
  private count(): void {
    if (++this.items > this.maxItems) throw tooManyItems(this.maxItems, 'JSON message holds');
  }

  value(depth: number): unknown {
    this.skipSpace();
    this.count();
    const c = this.text[this.pos];
    if (c === '"') return this.string();
    if (c === '[' || c === '{') {
      if (depth >= this.maxDepth) {
        throw new LimitError(
          `JSON message nests deeper than ${this.maxDepth} levels (limits.maxDepth)`,
        );
      }
      return c === '[' ? this.array(depth + 1) : this.object(depth + 1);
    }
    for (const [word, constant] of CONSTANTS) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return constant;
      }
    }
    return this.number();
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail('unexpected character');
    this.pos = NUMBER.lastIndex;
    const literal = match[0];
    if (match[1] !== undefined || match[2] !== undefined) return Number(literal);
    const n = Number(literal);
    if (Number.isSafeInteger(n)) return n;
    if (literal.replace('-', '').length > MAX_INT_DIGITS) {
      this.fail(`an int of more than ${MAX_INT_DIGITS} digits (Python refuses it too)`);
    }
    return BigInt(literal);
  }

  private string(): string {
    let end = this.pos + 1;
    for (;;) {
      const next = this.text.indexOf('"', end);
      if (next < 0) this.fail('unterminated string');
      let slashes = 0;
      while (this.text[next - 1 - slashes] === '\\') slashes++;
      end = next + 1;
      if (slashes % 2 === 0) break;
    }
    const literal = this.text.slice(this.pos, end);
    try {
      // JSON.parse handles the escapes and refuses raw control characters, as Python does.
      const value = JSON.parse(literal) as string;
      this.pos = end;
      return value;
    } catch {
      return this.fail('invalid string');
    }
  }

  private array(depth: number): unknown[] {
    this.pos++;
    const items: unknown[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.value(depth));
      if (this.separator(']')) return items;
    }
  }

  private object(depth: number): Record<string, unknown> {
    this.pos++;
    const result: Record<string, unknown> = {};
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      this.count();
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos++] !== ':') this.fail("expected ':'");
      // defineProperty, so a "__proto__" key is data and not a prototype change.
      Object.defineProperty(result, key, {
        value: this.value(depth),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (this.separator('}')) return result;
    }
  }

  /** Consumes ',' (returns false) or `close` (returns true). */
  private separator(close: string): boolean {
    this.skipSpace();
    const c = this.text[this.pos++];
    if (c === close) return true;
    if (c !== ',') this.fail(`expected ',' or '${close}'`);
    return false;
  }
}
