import {
  decodePickle,
  encodePickle,
  PyByteArray,
  PyDecimal,
  PyException,
  PyFrozenSet,
} from '../../codec/pickle/index.js';
import { ProtocolError } from '../../errors.js';
import { jsonDumps, jsonLoads } from './json.js';

import type { PythonForm } from './options.js';

export type { PythonForm } from './options.js';

export const PYTHON_FORMS: readonly PythonForm[] = ['pickle', 'single', 'json'];

export interface WireSettings {
  /** Pickle protocol written (2, 3 or 4). */
  pickleProtocol: 2 | 3 | 4;
  /** Nesting limit for decoded values (`limits.maxDepth`). */
  maxDepth: number;
  /** Most values in a pickle or JSON text read, or a JSON text written (`limits.maxItems`). */
  maxItems: number;
}

/** A call as read off the wire, before it gets an id. */
export interface PythonCall {
  form: PythonForm;
  method: string;
  args: unknown[];
  /** Undefined when the caller passed none, so functions without kwargs can take the call. */
  kwargs: Record<string, unknown> | undefined;
}

/**
 * Reads a call in any of the three forms. Throws `CodecError` on bytes that are not a pickle
 * (or refused by the codec), `LimitError` past `maxDepth` or `maxItems`, and `ProtocolError`
 * when the content is not `(name, args, kwargs)`. Its work is linear in the frame.
 */
export function decodeCall(frame: Uint8Array, settings: WireSettings): PythonCall {
  const outer = unpickle(frame, settings);
  if (outer instanceof Uint8Array) {
    return { form: 'pickle', ...callTuple(unpickle(outer, settings), 'the double-pickled form') };
  }
  if (Array.isArray(outer)) return { form: 'single', ...callTuple(outer, 'the single form') };
  if (typeof outer === 'string') {
    return {
      form: 'json',
      ...callTuple(jsonLoads(outer, settings.maxDepth, settings.maxItems), 'the JSON form'),
    };
  }
  throw new ProtocolError(
    `expected a call (name, args, kwargs) as pickled bytes, a tuple or a JSON string, got ${describe(outer)}`,
  );
}

function callTuple(value: unknown, form: string): Omit<PythonCall, 'form'> {
  if (!Array.isArray(value) || value.length !== 3) {
    throw new ProtocolError(`expected (name, args, kwargs) in ${form}, got ${describe(value)}`);
  }
  const [method, args, kwargs] = value as unknown[];
  if (typeof method !== 'string') {
    throw new ProtocolError(`the function name in ${form} must be a str, got ${describe(method)}`);
  }
  if (!Array.isArray(args)) {
    throw new ProtocolError(
      `the args of '${method}' must be a tuple or list, got ${describe(args)}`,
    );
  }
  if (kwargs !== null && kwargs !== undefined && !isPlainObject(kwargs)) {
    throw new ProtocolError(
      `the kwargs of '${method}' must be a dict with str keys, got ${describe(kwargs)}`,
    );
  }
  const named = kwargs && Object.keys(kwargs).length > 0 ? kwargs : undefined;
  // Copy: the decoder's tuples are frozen and the call's argument list is the function's own.
  return { method, args: [...args], kwargs: named };
}

/**
 * Writes a call in `form`; kwargs default to an empty dict. Throws `CodecError` on values the
 * form cannot carry, `LimitError` past the limits (the JSON form repeats shared values).
 */
export function encodeCall(
  form: PythonForm,
  call: { method: string; args: readonly unknown[]; kwargs?: Record<string, unknown> | undefined },
  settings: WireSettings,
): Uint8Array {
  const kwargs = call.kwargs ?? {};
  if (form === 'json')
    return pickle(
      jsonDumps([call.method, call.args, kwargs], settings.maxDepth, settings.maxItems),
      settings,
    );
  const tuple = Object.freeze([call.method, Object.freeze([...call.args]), kwargs]);
  return form === 'pickle' ? pickle(pickle(tuple, settings), settings) : pickle(tuple, settings);
}

/**
 * Writes an answer (a result, or an exception value already built for Python) in `form`.
 * In the JSON form `value` must be JSON-able: errors are sent as their `str(e)` by the caller.
 * Throws `CodecError` for a value the form cannot carry.
 */
export function encodeAnswer(form: PythonForm, value: unknown, settings: WireSettings): Uint8Array {
  if (form === 'json')
    return pickle(jsonDumps(value, settings.maxDepth, settings.maxItems), settings);
  return form === 'pickle' ? pickle(pickle(value, settings), settings) : pickle(value, settings);
}

/**
 * Reads an answer sent in `form`. Throws `CodecError` on undecodable bytes, `LimitError` past
 * `maxDepth` or `maxItems`, and `ProtocolError` when the frame is not in the form the call was
 * made in.
 */
export function decodeAnswer(form: PythonForm, frame: Uint8Array, settings: WireSettings): unknown {
  const outer = unpickle(frame, settings);
  if (form === 'single') return outer;
  if (form === 'pickle') {
    if (!(outer instanceof Uint8Array)) {
      throw new ProtocolError(
        `expected a pickled bytes answer (the double-pickled form), got ${describe(outer)}`,
      );
    }
    return unpickle(outer, settings);
  }
  if (typeof outer !== 'string') {
    throw new ProtocolError(
      `expected a JSON string answer (the JSON form), got ${describe(outer)}`,
    );
  }
  return jsonLoads(outer, settings.maxDepth, settings.maxItems);
}

function pickle(value: unknown, settings: WireSettings): Uint8Array {
  return encodePickle(value, { protocol: settings.pickleProtocol });
}

function unpickle(bytes: Uint8Array, settings: WireSettings): unknown {
  // The codec caps its depth at 1000 (its conversion recurses); a larger limit cannot apply.
  return decodePickle(bytes, {
    maxDepth: Math.min(settings.maxDepth, 1000),
    maxItems: settings.maxItems,
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A short description of a decoded value for error messages, by its Python type: never its
 * content, and never a property of it (a decoded dict may well have a key `constructor`).
 */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (Array.isArray(value)) {
    return `${Object.isFrozen(value) ? 'a tuple' : 'a list'} of ${value.length}`;
  }
  if (typeof value !== 'object') return PYTHON_TYPES[typeof value] ?? `a ${typeof value}`;
  if (value instanceof PyException) return `a ${value.name} exception`;
  const kind = OBJECT_TYPES.find(([type]) => value instanceof type);
  return kind === undefined ? 'a dict' : kind[1];
}

const PYTHON_TYPES: Readonly<Record<string, string>> = {
  boolean: 'a bool',
  number: 'a number',
  bigint: 'an int',
  string: 'a str',
};

/** Subclasses before their base classes. */
const OBJECT_TYPES: ReadonlyArray<readonly [abstract new (...args: never[]) => object, string]> = [
  [PyByteArray, 'a bytearray'],
  [Uint8Array, 'a bytes'],
  [PyFrozenSet, 'a frozenset'],
  [Set, 'a set'],
  [Map, 'a dict'],
  [Date, 'a datetime'],
  [PyDecimal, 'a Decimal'],
];
