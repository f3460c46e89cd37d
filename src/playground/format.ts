/**
 * How the playground shows values and writes calls as commands. Plain functions of values to
 * text, no DOM: what the page puts in the document is always this text, as text.
 */

/** At most this many items of one array, map, set or object are shown; the rest are counted. */
const MAX_ITEMS = 200;
/** Deeper values are shown as `…`. */
const MAX_DEPTH = 24;
const MAX_BYTES = 64;

/**
 * A value as readable text, close to JavaScript's own notation: `5`, `"text"`, `12n`,
 * `Date(2024-01-02T03:04:05.000Z)`, `Map(1) { "a" => 1 }`, `Uint8Array(3) [01 02 03]`.
 * Cycles print as `[Circular]`; big values are cut with a count of what was left out.
 */
export function formatValue(value: unknown): string {
  return write(value, '', new Set(), 0);
}

function write(value: unknown, indent: string, seen: Set<object>, depth: number): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return String(value);
    case 'object':
      break;
    default:
      return String(value);
  }
  if (value === null) return 'null';
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '…';
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Date(invalid)' : `Date(${value.toISOString()})`;
  }
  if (value instanceof Uint8Array) {
    const shown = Array.from(value.subarray(0, MAX_BYTES), (b) => b.toString(16).padStart(2, '0'));
    const more = value.length > MAX_BYTES ? ` …${value.length - MAX_BYTES} more` : '';
    return `Uint8Array(${value.length}) [${shown.join(' ')}${more}]`;
  }
  if (value instanceof RegExp) return String(value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  seen.add(value);
  const inner = `${indent}  `;
  const next = (v: unknown) => write(v, inner, seen, depth + 1);
  let text: string;
  if (Array.isArray(value)) {
    text = block('[', ']', value, (item) => next(item), indent);
  } else if (value instanceof Map) {
    const entries = [...value.entries()];
    text = `Map(${value.size}) ${block('{', '}', entries, ([k, v]) => `${next(k)} => ${next(v)}`, indent)}`;
  } else if (value instanceof Set) {
    text = `Set(${value.size}) ${block('{', '}', [...value], (item) => next(item), indent)}`;
  } else if (ArrayBuffer.isView(value)) {
    const items = Array.from(value as unknown as ArrayLike<unknown>);
    text = `${value.constructor.name}(${items.length}) ${block('[', ']', items, next, indent)}`;
  } else {
    const entries = Object.entries(value);
    text = block('{', '}', entries, ([k, v]) => `${JSON.stringify(k)}: ${next(v)}`, indent);
  }
  seen.delete(value);
  return text;
}

function block<T>(
  open: string,
  close: string,
  items: readonly T[],
  each: (item: T) => string,
  indent: string,
): string {
  if (items.length === 0) return `${open}${close}`;
  const shown = items.slice(0, MAX_ITEMS).map(each);
  if (items.length > MAX_ITEMS) shown.push(`… ${items.length - MAX_ITEMS} more`);
  const flat = `${open} ${shown.join(', ')} ${close}`;
  if (flat.length <= 72 && !flat.includes('\n')) return flat;
  const inner = `${indent}  `;
  return `${open}\n${shown.map((s) => inner + s).join(',\n')}\n${indent}${close}`;
}

/** Quotes a word for a POSIX shell: as it is when it is safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The call as a `farcall call` command line. Each argument is written as JSON, which the CLI
 * parses back to the same value (a string as `'"bob"'`). The authkey is never written: the CLI
 * reads it from `FARCALL_AUTHKEY`.
 */
export function callCommand(endpoint: string, method: string, args: readonly unknown[]): string {
  const words = ['npx', 'farcall', 'call', endpoint, method, ...args.map((a) => JSON.stringify(a))];
  return words.map(shellQuote).join(' ');
}

/** What the Arguments field holds: the arguments, or why they are not an array of JSON values. */
export function parseArguments(text: string): { args: unknown[] } | { error: string } {
  if (text.trim() === '') return { args: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `Not JSON yet: ${(error as Error).message}` };
  }
  if (!Array.isArray(value)) {
    return { error: 'The arguments must be a JSON array, like [2, 3].' };
  }
  return { args: value };
}
