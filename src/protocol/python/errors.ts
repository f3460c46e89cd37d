import { PyException } from '../../codec/pickle/index.js';
import { ErrorCode } from '../../errors.js';
import type { WireError } from '../protocol.js';
import { MAX_TEXT, PyText } from './repr.js';

export { pyRepr, pyStr } from './repr.js';

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

/**
 * A Python exception received as an answer, as the `WireError` the session raises from. The
 * message is `str(e)` cut at `MAX_TEXT` characters (see `repr.ts`: its cost is bounded by
 * that, whatever the arguments); `data.args` holds the decoded arguments themselves, shared
 * as they were decoded, not copied.
 */
export function fromPyException(e: PyException): WireError {
  return {
    name: e.name,
    message: pythonStr(e.name, e.args),
    code: ErrorCode.APPLICATION_ERROR,
    data: { args: [...e.args] },
  };
}

/** What `str(e)` prints for an exception of class `name` built with `args`, at most `limit` characters. */
export function pythonStr(name: string, args: readonly unknown[], limit = MAX_TEXT): string {
  const text = new PyText(limit);
  if (args.length === 0) return '';
  if (OS_ERRORS.has(name) && (args.length === 2 || args.length === 3)) {
    // OSError(errno, strerror[, filename]): '[Errno 2] No such file: 'x''.
    text.write('[Errno ');
    text.str(args[0]);
    text.write('] ');
    text.str(args[1]);
    if (args.length === 3) {
      text.write(': ');
      text.repr(args[2]);
    }
  } else if (args.length > 1) {
    text.repr(Object.freeze([...args]));
  } else if (name === 'KeyError') {
    // KeyError prints the repr of its key, so that KeyError('') is not an empty message.
    text.repr(args[0]);
  } else {
    text.str(args[0]);
  }
  return text.toString();
}
