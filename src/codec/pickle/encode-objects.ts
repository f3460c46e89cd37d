/**
 * Writing the values that need a Python class: bytes and bytearray, `datetime.datetime`,
 * `decimal.Decimal` and built-in exceptions. Each is written as CPython writes it: the class
 * as a global, an argument tuple, REDUCE, then the memo entry.
 */
import { CodecError } from '../../errors.js';
import { stateFromDate } from './datetime.js';
import { dropIfMemoized } from './encode-containers.js';
import { isBuiltinException } from './globals.js';
import { OP } from './opcodes.js';
import type { Pickler } from './pickler.js';
import type { PyByteArray, PyDecimal, PyException } from './values.js';

/** `bytes`: the bytes opcodes from protocol 3, `_codecs.encode` at protocol 2. */
export function saveBytes(p: Pickler, bytes: Uint8Array): void {
  p.writeBytes(bytes);
  p.memoize(bytes);
}

/** `bytearray(b'...')`, or `bytearray()` when empty (protocol 5's BYTEARRAY8 is not used). */
export function saveByteArray(p: Pickler, bytes: PyByteArray): void {
  p.writeGlobal('builtins', 'bytearray');
  if (bytes.length === 0) {
    p.out.u8(OP.EMPTY_TUPLE);
  } else {
    p.writeBytes(bytes);
    p.out.u8(OP.TUPLE1);
  }
  p.out.u8(OP.REDUCE);
  p.memoize(bytes);
}

/** A naive `datetime.datetime` holding the `Date`'s UTC time. */
export function saveDate(p: Pickler, date: Date): void {
  const state = stateFromDate(date);
  p.writeGlobal('datetime', 'datetime');
  p.writeBytes(state);
  p.out.u8(OP.TUPLE1);
  p.out.u8(OP.REDUCE);
  p.memoize(date);
}

export function saveDecimal(p: Pickler, decimal: PyDecimal): void {
  p.writeGlobal('decimal', 'Decimal');
  p.saveStr(decimal.value);
  p.out.u8(OP.TUPLE1);
  p.out.u8(OP.REDUCE);
  p.memoize(decimal);
}

/**
 * `builtins.<name>(*args)`, then BUILD with the attribute dict when `state` is set.
 *
 * @throws {CodecError} for a class that is not a built-in exception, or a `state` that is not
 *   a plain object or `Map`.
 */
export function saveException(p: Pickler, exception: PyException): void {
  if (exception.module !== 'builtins' || !isBuiltinException(exception.name)) {
    const name = `${exception.module}.${exception.name}`;
    throw new CodecError(
      `farcall: pickle can only encode built-in exceptions, not ${JSON.stringify(name)}`,
    );
  }
  const state = exception.state;
  const stateIsDict =
    state instanceof Map ||
    (typeof state === 'object' &&
      state !== null &&
      [Object.prototype, null].includes(Object.getPrototypeOf(state)));
  if (state !== undefined && !stateIsDict) {
    throw new CodecError('farcall: pickle exception state must be a plain object or a Map');
  }
  // A cycle through the arguments (an argument list holding the exception) writes the whole
  // exception, state included, inside; then only the memo reference is left to write here.
  let writtenInside = false;
  p.withImmutable(exception, 'exception', () => {
    p.writeGlobal('builtins', exception.name);
    p.save(exception.args);
    writtenInside = p.isMemoized(exception);
    dropIfMemoized(p, exception, OP.REDUCE);
  });
  if (state !== undefined && !writtenInside) {
    p.save(state);
    p.out.u8(OP.BUILD);
  }
}
