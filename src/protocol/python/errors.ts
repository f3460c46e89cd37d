import { PyByteArray, PyDecimal, PyException, PyFrozenSet } from '../../codec/pickle/index.js';
import { ErrorCode } from '../../errors.js';
import type { WireError } from '../protocol.js';

/**
 * Exceptions across the Python protocol. Outgoing (server), a `WireError` becomes a Python
 * builtin exception the recipe's proxy can `raise`; incoming (client), a `PyException` becomes a
 * `WireError` whose message is what `str(e)` prints in Python.
 */

/** JS error names with a Python counterpart of another name. */
const JS_TO_PYTHON: ReadonlyMap<string, string> = new Map([
  ['TypeError', 'TypeError'],
  ['RangeError', 'ValueError'],
  ['ReferenceError', 'NameError'],
  ['SyntaxError', 'SyntaxError'],
  ['URIError', 'ValueError'],
]);

const OS_ERRORS: ReadonlySet<string> = new Set([
  'OSError',
  'BlockingIOError',
  'BrokenPipeError',
  'ChildProcessError',
  'ConnectionAbortedError',
  'ConnectionError',
  'ConnectionRefusedError',
  'ConnectionResetError',
  'FileExistsError',
  'FileNotFoundError',
  'InterruptedError',
  'IsADirectoryError',
  'NotADirectoryError',
  'PermissionError',
  'ProcessLookupError',
  'TimeoutError',
]);

/**
 * Builtin exceptions a JS error may name itself after and reach Python as is. Only `Exception`
 * subclasses: a `SystemExit` or `KeyboardInterrupt` raised by the recipe's proxy would end the
 * Python client, so such names fall back to `Exception('Name: message')`.
 */
export const PYTHON_EXCEPTIONS: ReadonlySet<string> = new Set([
  ...OS_ERRORS,
  'ArithmeticError',
  'AssertionError',
  'AttributeError',
  'BufferError',
  'EOFError',
  'Exception',
  'FloatingPointError',
  'ImportError',
  'IndexError',
  'KeyError',
  'LookupError',
  'MemoryError',
  'ModuleNotFoundError',
  'NameError',
  'NotImplementedError',
  'OverflowError',
  'RecursionError',
  'RuntimeError',
  'StopIteration',
  'SyntaxError',
  'TypeError',
  'UnicodeError',
  'ValueError',
  'ZeroDivisionError',
]);

/** A Python builtin exception, by class name and constructor arguments. */
export interface PythonExceptionValue {
  name: string;
  args: unknown[];
}

/**
 * The exception a Python peer sees for a failed call to `method`: unknown methods raise
 * `KeyError(method)` like the recipe's dict lookup, bad parameters `TypeError` like a Python
 * call with wrong arguments, mapped and builtin names keep their class, anything else is
 * `Exception('JsName: message')`.
 */
export function toPythonException(error: WireError, method: string): PythonExceptionValue {
  if (error.code === ErrorCode.METHOD_NOT_FOUND) return { name: 'KeyError', args: [method] };
  if (error.code === ErrorCode.INVALID_PARAMS) return { name: 'TypeError', args: [error.message] };
  const name =
    JS_TO_PYTHON.get(error.name) ?? (PYTHON_EXCEPTIONS.has(error.name) ? error.name : '');
  if (name !== '') return { name, args: [error.message] };
  return { name: 'Exception', args: [`${error.name}: ${error.message}`] };
}

/** `new PyException(...)` for a builtin exception, in the codec's shape. */
export function toPyException(value: PythonExceptionValue): PyException {
  return new PyException(value.name, value.args);
}

/** A Python exception received as an answer, as the `WireError` the session raises from. */
export function fromPyException(e: PyException): WireError {
  return {
    name: e.name,
    message: pythonStr(e.name, e.args),
    code: ErrorCode.APPLICATION_ERROR,
    data: { args: [...e.args] },
  };
}

/** What `str(e)` prints for an exception of class `name` built with `args`. */
export function pythonStr(name: string, args: readonly unknown[]): string {
  if (args.length === 0) return '';
  if (OS_ERRORS.has(name) && (args.length === 2 || args.length === 3)) {
    // OSError(errno, strerror[, filename]): '[Errno 2] No such file: 'x''.
    const base = `[Errno ${pyStr(args[0])}] ${pyStr(args[1])}`;
    return args.length === 3 ? `${base}: ${pyRepr(args[2])}` : base;
  }
  if (args.length > 1) return pyRepr(Object.freeze([...args]));
  // KeyError prints the repr of its key, so that KeyError('') is not an empty message.
  return name === 'KeyError' ? pyRepr(args[0]) : pyStr(args[0]);
}

/** Python's `str(value)` for a decoded value. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python's `repr(value)` for a decoded value (tuples are frozen arrays, dicts plain objects). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return floatRepr(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return quote(value, (c) => c.codePointAt(0)! < 0x20 || (c >= '\x7f' && c <= '\x9f'));
  }
  return containerRepr(value as object);
}

function containerRepr(value: object): string {
  const items = (list: Iterable<unknown>) => [...list].map(pyRepr).join(', ');
  if (value instanceof PyByteArray) return `bytearray(${bytesRepr(value)})`;
  if (value instanceof Uint8Array) return bytesRepr(value);
  if (Array.isArray(value)) {
    if (!Object.isFrozen(value)) return `[${items(value)}]`;
    return value.length === 1 ? `(${pyRepr(value[0])},)` : `(${items(value)})`;
  }
  if (value instanceof PyFrozenSet)
    return value.size ? `frozenset({${items(value)}})` : 'frozenset()';
  if (value instanceof Set) return value.size ? `{${items(value)}}` : 'set()';
  if (value instanceof PyException) return `${value.name}(${items(value.args)})`;
  if (value instanceof PyDecimal) return `Decimal(${pyRepr(value.value)})`;
  const entries = value instanceof Map ? [...value] : Object.entries(value);
  return `{${entries.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
}

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

function bytesRepr(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  return `b${quote(text, (c) => c < ' ' || c > '~')}`;
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
