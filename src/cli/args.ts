/**
 * Turning command-line text into call arguments, and call results into JSON text. The rules
 * here are the CLI's contract and are documented in docs/cli.md; change both together.
 */
import { UsageError } from '../index.js';

/** An integer in canonical digits: no sign but `-`, no leading zeros. */
const CANONICAL_INTEGER = /^-?(0|[1-9][0-9]*)$/;

/**
 * Parses one positional ARG: JSON where it parses (`true`, `null`, `[1,2]`, `{"a":1}`,
 * `"\"2\""` → "2"), otherwise the text itself (`bob` → "bob"). A bare number is taken only
 * when its text is the form `call` prints that number in (`2`, `-0`, `1.5`, `1e+21`), so no
 * character typed is lost: `007`, `1.50`, `1e3`, `+1` and `0x10` stay strings. An integer in
 * canonical digits outside the safe range becomes a BigInt, because a double would round it.
 */
export function parseArg(text: string): unknown {
  if (CANONICAL_INTEGER.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  return typeof value === 'number' && formatResult(value) !== text ? text : value;
}

/** Parses `--kwargs`: must be a JSON object; anything else is a usage error. */
export function parseKwargs(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--kwargs is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--kwargs must be a JSON object, like '{"z": 3}'`);
  }
  return value as Record<string, unknown>;
}

/** Parses a millisecond count (`--timeout`, `--drain`): a positive integer, else a usage error. */
export function parseMs(text: string, flag: string): number {
  const ms = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new UsageError(`${flag} must be a positive number of milliseconds, not '${text}'`);
  }
  return ms;
}

/** Parses a flag that counts something (`--workers 2`): a whole number of at least 1. */
export function parseCount(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a whole number of at least 1, not '${text}'`);
  }
  return n;
}

/**
 * Formats a result as JSON text, indented by two spaces. Values JSON has no form for are
 * shown as: `undefined` → `null`; BigInt → its digits as a JSON number (exact, even where a
 * reader's doubles would round it); `NaN`/`Infinity`/`-Infinity` → those words as strings;
 * `-0` → `-0`; Date → ISO string (`null` if invalid); Uint8Array, Buffer, ArrayBuffer and
 * DataView → `{"$bytes": "<base64>"}`; other typed arrays → arrays of numbers; Map → array of
 * `[key, value]` pairs (keys need not be strings); Set → array; RegExp → `"/src/flags"`;
 * Error → `{"name", "message"}`; a cycle back to an enclosing value → `"[Circular]"`.
 */
export function formatResult(value: unknown, compact = false): string {
  return write(value, compact ? undefined : '', new Set());
}

/** `indent` undefined: all on one line (a stream's items, one per line). */
function write(value: unknown, indent: string | undefined, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'undefined':
      return 'null';
    case 'boolean':
      return String(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (Number.isNaN(value)) return '"NaN"';
      if (!Number.isFinite(value)) return value > 0 ? '"Infinity"' : '"-Infinity"';
      return Object.is(value, -0) ? '-0' : String(value);
    case 'object':
      break;
    default:
      // Functions and symbols cannot cross the wire; show them as text rather than fail.
      return JSON.stringify(String(value));
  }
  if (value === null) return 'null';
  if (ancestors.has(value)) return '"[Circular]"';
  const shaped = shape(value);
  if (typeof shaped === 'string' || shaped === null) return JSON.stringify(shaped);
  ancestors.add(value);
  const inner = indent === undefined ? undefined : `${indent}  `;
  const open = inner === undefined ? '' : `\n${inner}`;
  const between = inner === undefined ? ',' : `,\n${inner}`;
  const close = indent === undefined ? '' : `\n${indent}`;
  const colon = indent === undefined ? ':' : ': ';
  let text: string;
  if (Array.isArray(shaped)) {
    const items = shaped.map((item) => write(item, inner, ancestors));
    text = items.length === 0 ? '[]' : `[${open}${items.join(between)}${close}]`;
  } else {
    const items = shaped.entries.map(
      ([key, item]) => `${JSON.stringify(key)}${colon}${write(item, inner, ancestors)}`,
    );
    text = items.length === 0 ? '{}' : `{${open}${items.join(between)}${close}}`;
  }
  ancestors.delete(value);
  return text;
}

/** What an object prints as: a string, null, an array of values, or an object's entries. */
type Shape = string | null | unknown[] | { entries: [string, unknown][] };

function shape(value: object): Shape {
  if (Array.isArray(value)) return Array.from(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array || value instanceof DataView || value instanceof ArrayBuffer) {
    const bytes = ArrayBuffer.isView(value)
      ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
      : Buffer.from(value);
    return { entries: [['$bytes', bytes.toString('base64')]] };
  }
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>);
  if (value instanceof Map) return [...value.entries()];
  if (value instanceof Set) return [...value];
  if (value instanceof RegExp) return String(value);
  if (value instanceof Error)
    return {
      entries: [
        ['name', value.name],
        ['message', value.message],
      ],
    };
  return { entries: Object.entries(value) };
}
