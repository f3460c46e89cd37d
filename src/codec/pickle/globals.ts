/**
 * The allow-list: the only globals a pickle may name. Lookups go through a `Map` keyed by
 * `"module\nname"`, never through an object, so no wire string can reach a prototype, and a
 * name absent from the map is refused at the GLOBAL, STACK_GLOBAL or INST opcode that names
 * it, before any REDUCE could call it.
 *
 * Python 2 module names (`exceptions`, `__builtin__`) are accepted where CPython's
 * `fix_imports` maps them to `builtins`, whatever the pickle's protocol.
 */
import { CodecError } from '../../errors.js';
import {
  bytearrayHandler,
  bytesHandler,
  codecsEncodeHandler,
  dateHandler,
  datetimeHandler,
  decimalHandler,
  exceptionHandler,
  type GlobalHandler,
  orderedDictHandler,
  setHandler,
  timedeltaHandler,
  timezoneHandler,
} from './handlers.js';
import { GlobalNode } from './nodes.js';

export type { GlobalHandler } from './handlers.js';

/** Every exception class in Python 3's `builtins` (3.8 to 3.13). */
export const BUILTIN_EXCEPTIONS: readonly string[] = [
  'ArithmeticError',
  'AssertionError',
  'AttributeError',
  'BaseException',
  'BaseExceptionGroup',
  'BlockingIOError',
  'BrokenPipeError',
  'BufferError',
  'BytesWarning',
  'ChildProcessError',
  'ConnectionAbortedError',
  'ConnectionError',
  'ConnectionRefusedError',
  'ConnectionResetError',
  'DeprecationWarning',
  'EOFError',
  'EncodingWarning',
  'Exception',
  'ExceptionGroup',
  'FileExistsError',
  'FileNotFoundError',
  'FloatingPointError',
  'FutureWarning',
  'GeneratorExit',
  'ImportError',
  'ImportWarning',
  'IndentationError',
  'IndexError',
  'InterruptedError',
  'IsADirectoryError',
  'KeyError',
  'KeyboardInterrupt',
  'LookupError',
  'MemoryError',
  'ModuleNotFoundError',
  'NameError',
  'NotADirectoryError',
  'NotImplementedError',
  'OSError',
  'OverflowError',
  'PendingDeprecationWarning',
  'PermissionError',
  'ProcessLookupError',
  'PythonFinalizationError',
  'RecursionError',
  'ReferenceError',
  'ResourceWarning',
  'RuntimeError',
  'RuntimeWarning',
  'StopAsyncIteration',
  'StopIteration',
  'SyntaxError',
  'SyntaxWarning',
  'SystemError',
  'SystemExit',
  'TabError',
  'TimeoutError',
  'TypeError',
  'UnboundLocalError',
  'UnicodeDecodeError',
  'UnicodeEncodeError',
  'UnicodeError',
  'UnicodeTranslateError',
  'UnicodeWarning',
  'UserWarning',
  'ValueError',
  'Warning',
  'ZeroDivisionError',
];

/** Old names that are aliases of a class above (`IOError is OSError` in Python 3). */
const EXCEPTION_ALIASES: ReadonlyMap<string, string> = new Map([
  ['EnvironmentError', 'OSError'],
  ['IOError', 'OSError'],
  // Python 2 only; `fix_imports` maps `exceptions.StandardError` to `builtins.Exception`.
  ['StandardError', 'Exception'],
]);

const allowed = new Map<string, GlobalHandler>();

function allow(module: string, name: string, handler: GlobalHandler): void {
  allowed.set(`${module}\n${name}`, handler);
}

for (const name of BUILTIN_EXCEPTIONS) {
  for (const module of ['builtins', '__builtin__', 'exceptions']) {
    allow(module, name, exceptionHandler(name));
  }
}
for (const [alias, name] of EXCEPTION_ALIASES) {
  for (const module of ['builtins', '__builtin__', 'exceptions']) {
    allow(module, alias, exceptionHandler(name));
  }
}
for (const module of ['builtins', '__builtin__']) {
  allow(module, 'set', setHandler(false));
  allow(module, 'frozenset', setHandler(true));
  allow(module, 'bytearray', bytearrayHandler);
  allow(module, 'bytes', bytesHandler);
}
allow('_codecs', 'encode', codecsEncodeHandler);
allow('collections', 'OrderedDict', orderedDictHandler);
allow('datetime', 'datetime', datetimeHandler);
allow('datetime', 'date', dateHandler);
allow('datetime', 'timezone', timezoneHandler);
allow('datetime', 'timedelta', timedeltaHandler);
allow('decimal', 'Decimal', decimalHandler);

/** `module.name` for messages, quoted and cut short when it holds anything unusual. */
export function displayName(module: string, name: string): string {
  const full = `${module}.${name}`;
  if (/^[\w.]{1,120}$/.test(full)) {
    return full;
  }
  return JSON.stringify(full.length > 120 ? `${full.slice(0, 120)}…` : full);
}

/**
 * The allowed global `module.name`, ready to be pushed on the stack.
 *
 * @throws {CodecError} `farcall: pickle global os.system is not allowed` for any name not on
 *   the allow-list.
 */
export function resolveGlobal(module: string, name: string): GlobalNode {
  const handler = allowed.get(`${module}\n${name}`);
  const display = displayName(module, name);
  if (handler === undefined) {
    throw new CodecError(`farcall: pickle global ${display} is not allowed`);
  }
  return new GlobalNode(display, handler);
}

/** Whether `name` is an exception class the encoder may write as `builtins.<name>`. */
export function isBuiltinException(name: string): boolean {
  return BUILTIN_EXCEPTIONS.includes(name);
}
