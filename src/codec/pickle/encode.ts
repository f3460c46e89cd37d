/**
 * `encodePickle`: writes a JavaScript value as a pickle of protocol 2, 3 or 4 (the mapping is
 * documented in `index.ts`).
 */
import { CodecError, UsageError } from '../../errors.js';
import { saveDict, saveList, saveSet, saveTuple } from './encode-containers.js';
import {
  saveByteArray,
  saveBytes,
  saveDate,
  saveDecimal,
  saveException,
} from './encode-objects.js';
import { OP } from './opcodes.js';
import { Pickler, type Protocol } from './pickler.js';
import { withStackGuard } from './stack-guard.js';
import { PyByteArray, PyDecimal, PyException } from './values.js';

export interface EncodeOptions {
  /** Pickle protocol to write: 2, 3 or 4 (default 4, readable by Python 3.4 and later). */
  protocol?: Protocol;
}

/**
 * Encodes `value` as a pickle. Shared objects are written once and referenced through the memo,
 * so sharing and cycles survive (a cycle must pass through a list, dict or protocol 4 set, as
 * in Python); equal strings are written once too, as CPython writes one `str` object. So the
 * output and the work are linear in the value as a graph, never in its expansion as a tree: a
 * list holding one 1 MiB string 300 times is about 1 MiB. Protocol 4 output does not use FRAME.
 *
 * @throws {CodecError} for a value with no Python counterpart (naming its type: a function, a
 *   symbol, a class instance, a typed array other than `Uint8Array`, …), an unhashable dict key
 *   or set member, a `Date` outside years 1 to 9999, an exception that is not built in, or a
 *   value that contains itself through tuples only.
 * @throws {LimitError} for nesting over 1000 levels (CPython's own limit, about), or for a
 *   value that repeats long strings which are near-copies of each other so often that finding
 *   them in the memo would take more than linear time (see `string-memo.ts`).
 * @throws {UsageError} for a protocol other than 2, 3 or 4.
 */
export function encodePickle(value: unknown, options: EncodeOptions = {}): Uint8Array {
  const protocol = options.protocol ?? 4;
  if (protocol !== 2 && protocol !== 3 && protocol !== 4) {
    throw new UsageError(
      `farcall: encodePickle protocol must be 2, 3 or 4, not ${String(protocol)}`,
    );
  }
  const pickler = new Pickler(protocol, saveValue);
  pickler.out.u8(OP.PROTO);
  pickler.out.u8(protocol);
  withStackGuard(() => pickler.save(value));
  pickler.out.u8(OP.STOP);
  return pickler.out.finish();
}

function saveValue(p: Pickler, value: unknown): void {
  switch (typeof value) {
    case 'undefined':
      p.out.u8(OP.NONE);
      return;
    case 'boolean':
      p.out.u8(value ? OP.NEWTRUE : OP.NEWFALSE);
      return;
    case 'number':
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) {
        p.saveInt(value);
      } else {
        p.saveFloat(value);
      }
      return;
    case 'bigint':
      p.saveInt(value);
      return;
    case 'string':
      p.saveStr(value);
      return;
    case 'object':
      if (value === null) {
        p.out.u8(OP.NONE);
      } else {
        saveObject(p, value);
      }
      return;
    default:
      throw new CodecError(`farcall: pickle cannot encode a value of type ${typeof value}`);
  }
}

function saveObject(p: Pickler, value: object): void {
  if (value instanceof PyByteArray) {
    saveByteArray(p, value);
  } else if (value instanceof Uint8Array) {
    saveBytes(p, value);
  } else if (Array.isArray(value)) {
    (Object.isFrozen(value) ? saveTuple : saveList)(p, value);
  } else if (value instanceof Set) {
    saveSet(p, value);
  } else if (value instanceof Map) {
    saveDict(p, value, [...value]);
  } else if (value instanceof Date) {
    saveDate(p, value);
  } else if (value instanceof PyDecimal) {
    saveDecimal(p, value);
  } else if (value instanceof PyException) {
    saveException(p, value);
  } else if (isPlainObject(value)) {
    saveDict(p, value, Object.entries(value));
  } else {
    throw new CodecError(`farcall: pickle cannot encode a value of type ${typeName(value)}`);
  }
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function typeName(value: object): string {
  const prototype: unknown = Object.getPrototypeOf(value);
  const ctor =
    typeof prototype === 'object' && prototype !== null
      ? Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value
      : undefined;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'object';
}
