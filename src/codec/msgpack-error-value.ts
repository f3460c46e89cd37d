/**
 * Errors as values (tag 0x65): building one from the name, message, cause and fields that came
 * off the wire. The name picks a constructor from a fixed list held in a `Map`, so no name
 * (`constructor`, `__proto__`, `toString`, …) is ever looked up as a property of anything; any
 * other name gives a plain `Error` whose `name` is that string. Fields become own data
 * properties, defined rather than assigned, so `__proto__` is just a field.
 */
import { decodeError } from './msgpack-format.js';

const STANDARD_ERRORS: ReadonlyMap<string, ErrorConstructor> = new Map<string, ErrorConstructor>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);

/** V8's knob for the frames an error captures; other engines may not have one. */
const stackLimit = Error as unknown as { stackTraceLimit?: unknown };
const canSkipStack = typeof stackLimit.stackTraceLimit === 'number';

/**
 * The error for a name and message read off the wire, before its cause and fields. It captures
 * no stack: the frames would be the decoder's, which say nothing about the remote error, and
 * capturing them is most of what an error costs (250,000 errors in a 2 MB frame took 1.6 s
 * with them). The limit is set and restored around the builtin constructor alone, which runs
 * no user code, so nothing else ever sees it changed.
 */
export function makeError(name: string, message: string): Error {
  const limit = stackLimit.stackTraceLimit;
  if (canSkipStack) stackLimit.stackTraceLimit = 0;
  try {
    if (name === 'AggregateError') return new AggregateError([], message);
    const standard = STANDARD_ERRORS.get(name);
    if (standard !== undefined) return new standard(message);
    const error = new Error(message);
    defineData(error, 'name', name);
    return error;
  } finally {
    if (canSkipStack) stackLimit.stackTraceLimit = limit;
  }
}

/** Sets the cause as `new Error(message, { cause })` would: own, not enumerable. */
export function setCause(error: Error, cause: unknown): void {
  Object.defineProperty(error, 'cause', {
    value: cause,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/**
 * Defines one field of the error's fields map. An AggregateError's `errors` is defined as the
 * constructor defines it (not enumerable); the four keys the array form carries are refused.
 */
export function setField(error: Error, key: string, value: unknown, offset: number): void {
  if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') {
    throw decodeError('error fields repeat name, message, stack or cause', offset);
  }
  if (key === 'errors' && error instanceof AggregateError) {
    Object.defineProperty(error, 'errors', {
      value,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    return;
  }
  defineData(error, key, value);
}

/** An own enumerable data property, as an assignment would make on a plain object. */
export function defineData(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
