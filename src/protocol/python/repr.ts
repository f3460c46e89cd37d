import { PyByteArray, PyDecimal, PyException, PyFrozenSet } from '../../codec/pickle/index.js';

/**
 * Python's `repr()` and `str()` of decoded values, for the message of an exception that crossed
 * the wire. The values are a peer's: a few hundred bytes of pickle can hold a DAG with 2^60
 * paths, a str of 16 MiB or an int of a million digits. So the text is bounded, and so is the
 * walk that makes it:
 *
 * - at most `limit` characters (default `MAX_TEXT`), the last one `…` when it was cut;
 * - every step of the walk writes at least one character and stops once the text is full, so
 *   a DAG costs the characters it prints, not its expansion as a tree;
 * - a container met again inside itself prints as Python prints a cycle (`[...]`);
 * - a str, bytes or Decimal is cut to what still fits before it is quoted, an object's keys
 *   are listed once per object, and an int of more than 4300 digits (which Python refuses to
 *   print) is named rather than converted.
 */
export const MAX_TEXT = 4096;

/** Ints past this many decimal digits are not printed, as CPython's `int_max_str_digits`. */
const MAX_INT_DIGITS = 4300;
const HUGE_INT = 10n ** BigInt(MAX_INT_DIGITS);

/** Python's `repr(value)`, at most `limit` characters. */
export function pyRepr(value: unknown, limit = MAX_TEXT): string {
  const text = new PyText(limit);
  text.repr(value);
  return text.toString();
}

/** Python's `str(value)`, at most `limit` characters. */
export function pyStr(value: unknown, limit = MAX_TEXT): string {
  const text = new PyText(limit);
  text.str(value);
  return text.toString();
}

/** A bounded text being written: plain parts, and `str`/`repr` of decoded values. */
export class PyText {
  private readonly parts: string[] = [];
  private left: number;
  private cut = false;
  /** Containers being printed, to print a cycle as Python does. */
  private readonly open = new Set<object>();
  /** Each plain object's keys, listed once however often a DAG reaches it. */
  private readonly keys = new Map<object, string[]>();

  constructor(private readonly limit: number) {
    this.left = limit;
  }

  /** Whether the text is full: every later write is dropped, so walks stop. */
  get full(): boolean {
    return this.cut;
  }

  write(part: string): void {
    if (part.length === 0) return;
    if (this.cut || part.length > this.left) {
      if (!this.cut) this.parts.push(part.slice(0, this.left));
      this.left = 0;
      this.cut = true;
      return;
    }
    this.parts.push(part);
    this.left -= part.length;
  }

  toString(): string {
    const text = this.parts.join('');
    return this.cut ? `${text.slice(0, this.limit - 1)}…` : text;
  }

  str(value: unknown): void {
    if (typeof value === 'string') this.write(value.slice(0, this.left + 1));
    else this.repr(value);
  }

  repr(value: unknown): void {
    if (this.cut) return;
    if (typeof value === 'object' && value !== null) this.container(value);
    else if (typeof value === 'string') this.write(quote(this.fitting(value), isUnprintable));
    else this.write(scalarRepr(value));
  }

  /** The start of `text` that can still show: one character of output per code unit at least. */
  private fitting(text: string): string {
    return text.length > this.left ? text.slice(0, this.left) : text;
  }

  private container(value: object): void {
    if (value instanceof Uint8Array) {
      const shown = value.subarray(0, this.left);
      const bytes = `b${quote(Buffer.from(shown).toString('latin1'), isNotAscii)}`;
      this.write(value instanceof PyByteArray ? `bytearray(${bytes})` : bytes);
    } else if (value instanceof PyDecimal) {
      this.write(`Decimal(${quote(this.fitting(value.value), isUnprintable)})`);
    } else if (value instanceof Date) {
      this.write(dateRepr(value));
    } else if (this.open.has(value)) {
      this.write(cycleRepr(value));
    } else {
      this.open.add(value);
      this.members(value);
      this.open.delete(value);
    }
  }

  private members(value: object): void {
    if (Array.isArray(value)) {
      const tuple = Object.isFrozen(value);
      this.write(tuple ? '(' : '[');
      this.items(value);
      this.write(tuple ? (value.length === 1 ? ',)' : ')') : ']');
    } else if (value instanceof Set) {
      const frozen = value instanceof PyFrozenSet;
      if (value.size === 0) {
        this.write(frozen ? 'frozenset()' : 'set()');
      } else {
        this.write(frozen ? 'frozenset({' : '{');
        this.items(value);
        this.write(frozen ? '})' : '}');
      }
    } else if (value instanceof PyException) {
      this.write(`${value.name}(`);
      this.items(value.args);
      this.write(')');
    } else {
      this.write('{');
      let first = true;
      for (const [key, item] of this.entries(value)) {
        if (this.cut) break;
        if (!first) this.write(', ');
        first = false;
        this.repr(key);
        this.write(': ');
        this.repr(item);
      }
      this.write('}');
    }
  }

  private items(list: Iterable<unknown>): void {
    let first = true;
    for (const item of list) {
      if (this.cut) return;
      if (!first) this.write(', ');
      first = false;
      this.repr(item);
    }
  }

  /** A `Map`'s entries, or a plain object's own enumerable ones, lazily. */
  private *entries(value: object): Iterable<[unknown, unknown]> {
    if (value instanceof Map) {
      yield* value;
      return;
    }
    let keys = this.keys.get(value);
    if (keys === undefined) {
      keys = Object.keys(value);
      this.keys.set(value, keys);
    }
    for (const key of keys) {
      yield [key, Object.getOwnPropertyDescriptor(value, key)?.value];
    }
  }
}

/** The repr of a value that is neither an object nor a str. */
function scalarRepr(value: unknown): string {
  if (value === null) return 'None';
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return floatRepr(value);
    case 'bigint':
      return value >= HUGE_INT || value <= -HUGE_INT
        ? `<int of more than ${MAX_INT_DIGITS} digits>`
        : value.toString();
    case 'undefined':
      return 'None';
    default:
      return `<${typeof value}>`;
  }
}

/** What Python prints for a container met again inside itself. */
function cycleRepr(value: object): string {
  if (Array.isArray(value)) return Object.isFrozen(value) ? '(...)' : '[...]';
  return value instanceof PyException ? `${value.name}(...)` : '{...}';
}

const isUnprintable = (c: string) => c.codePointAt(0)! < 0x20 || (c >= '\x7f' && c <= '\x9f');
const isNotAscii = (c: string) => c < ' ' || c > '~';

/** A float's repr (integral numbers print as ints: the decoder cannot tell 1.0 from 1). */
function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e16 || abs < 1e-4) {
    // Python writes at least two exponent digits: 1e-07, 1e+16.
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(n);
}

/** `datetime.datetime(2024, 1, 2, 3, 4)`, seconds and microseconds only when set, as Python. */
function dateRepr(date: Date): string {
  if (Number.isNaN(date.getTime())) return 'datetime.datetime(?)';
  const fields = [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
  ];
  const micros = date.getUTCMilliseconds() * 1000;
  if (date.getUTCSeconds() !== 0 || micros !== 0) fields.push(date.getUTCSeconds());
  if (micros !== 0) fields.push(micros);
  return `datetime.datetime(${fields.join(', ')})`;
}

/** Python's quoting: single quotes unless the text has ' and no ". */
function quote(text: string, needsHex: (c: string) => boolean): string {
  const q = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = q;
  for (const c of text) {
    if (c === q || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (needsHex(c)) out += `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else if (c.length === 1 && c >= '\ud800' && c <= '\udfff')
      out += `\\u${c.charCodeAt(0).toString(16)}`;
    else out += c;
  }
  return out + q;
}
