/**
 * The error shape that crosses the wire (`WireError`), both ways: built from anything a
 * function threw, and turned back into the `RemoteError` its caller sees.
 */
import { ErrorCode, RemoteError, toErrorCode } from './errors.js';
import type { WireError } from './protocol/protocol.js';

/** Sent when even a thrown error's name and message cannot be encoded. */
export const UNENCODABLE_ERROR: WireError = {
  name: 'Error',
  message: 'the function threw an error that could not be encoded',
  code: ErrorCode.APPLICATION_ERROR,
};

/** How many causes deep an error's `cause` chain travels, both ways; deeper ones are dropped. */
export const MAX_CAUSES = 8;

/**
 * Own properties of a thrown error that are not `fields`: they travel in `WireError`'s own
 * slots (`code` as `data`, `stack` only with `exposeStack`) or not at all.
 */
const NOT_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'message',
  'stack',
  'cause',
  'data',
  'code',
]);

/**
 * What a `RemoteError` relayed by a server owns beyond that: its remote stack (sent again only
 * as `stack`, under this server's `exposeStack`) and the method its own caller named.
 */
const REMOTE_ERROR_OWN: ReadonlySet<string> = new Set(['remoteStack', 'method']);

/**
 * Field names a `RemoteError` never takes from the wire, besides the names it already has
 * (own or inherited, such as `toString`): they would replace what it is or where it comes from.
 */
const RESERVED_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'message',
  'code',
  'data',
  'remoteStack',
  'stack',
  'cause',
  'method',
  '__proto__',
  'constructor',
  'prototype',
]);

/**
 * Builds the error shape that crosses the wire from anything a function threw: an `Error`
 * keeps its name (its class's name when it leaves `name` as the inherited `'Error'`), message,
 * `data` (or a Node-style `code` as `{ code }`), its other own enumerable properties as
 * `fields` (functions and symbols left out), its `cause` as a nested `WireError` (at most
 * `MAX_CAUSES` deep, a cycle cut where it comes back) and, if asked, the stacks; other values
 * become an `Error` with the value as `data`. Never throws, whatever the value (getters that
 * throw, proxies, symbols, objects without a prototype): what cannot be read is left out.
 */
export function toWireError(error: unknown, exposeStack: boolean): WireError {
  const top = oneWireError(error, exposeStack, 'thrown');
  const seen = new Set<unknown>([error]);
  let wire = top;
  let current = error;
  for (let depth = 0; depth < MAX_CAUSES; depth++) {
    const cause = causeOf(current);
    if (cause === undefined || seen.has(cause)) break;
    seen.add(cause);
    wire.cause = oneWireError(cause, exposeStack, 'cause');
    wire = wire.cause;
    current = cause;
  }
  return top;
}

/** One error of a chain, without its cause. */
function oneWireError(error: unknown, exposeStack: boolean, what: string): WireError {
  try {
    return error instanceof Error ? fromError(error, exposeStack) : fromValue(error, what);
  } catch {
    return { ...UNENCODABLE_ERROR };
  }
}

/** The `cause` of an `Error`, or undefined for other values and for a getter that throws. */
function causeOf(error: unknown): unknown {
  try {
    return error instanceof Error ? error.cause : undefined;
  } catch {
    return undefined;
  }
}

function fromError(error: Error, exposeStack: boolean): WireError {
  const remote = error instanceof RemoteError;
  const wire: WireError = {
    name: nameOf(error),
    message: typeof error.message === 'string' ? error.message : describe(error.message),
    code: remote ? error.code : ErrorCode.APPLICATION_ERROR,
  };
  const extra = error as { data?: unknown; code?: unknown };
  if (extra.data !== undefined) wire.data = extra.data;
  else if (!remote && (typeof extra.code === 'string' || typeof extra.code === 'number')) {
    wire.data = { code: extra.code };
  }
  const fields = fieldsOf(error, remote);
  if (fields) wire.fields = fields;
  if (exposeStack && typeof error.stack === 'string') wire.stack = error.stack;
  return wire;
}

/**
 * The error's `name`; its class's name instead when `name` is the `'Error'` it inherits from
 * `Error.prototype` (`class NotFoundError extends Error {}` sets no name of its own) or empty.
 */
function nameOf(error: Error): string {
  let name: unknown;
  try {
    name = error.name;
  } catch {
    name = undefined;
  }
  if (
    typeof name === 'string' &&
    name !== '' &&
    (name !== 'Error' || Object.hasOwn(error, 'name'))
  ) {
    return name;
  }
  try {
    const ctor: unknown = Object.getPrototypeOf(error)?.constructor;
    if (typeof ctor === 'function' && ctor !== Error && ctor.name) {
      return String(ctor.name);
    }
  } catch {
    // A prototype or constructor that cannot be read leaves the name as it was.
  }
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

/** The own enumerable properties that travel as `fields`; undefined when there are none. */
function fieldsOf(error: Error, remote: boolean): Record<string, unknown> | undefined {
  let keys: string[];
  try {
    keys = Object.keys(error);
  } catch {
    return undefined;
  }
  let fields: Record<string, unknown> | undefined;
  for (const key of keys) {
    if (NOT_FIELDS.has(key) || (remote && REMOTE_ERROR_OWN.has(key))) continue;
    let value: unknown;
    try {
      value = (error as unknown as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    // No codec carries these; leaving them out keeps the rest of the error encodable.
    if (typeof value === 'function' || typeof value === 'symbol') continue;
    fields ??= {};
    // Defined rather than assigned, so that a key named `__proto__` stays a plain key.
    Object.defineProperty(fields, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return fields;
}

function fromValue(value: unknown, what: string): WireError {
  // Strings, numbers and objects thrown as they are still arrive as a RemoteError.
  return {
    name: 'Error',
    message: typeof value === 'string' ? value : `non-Error value ${what}: ${describe(value)}`,
    code: ErrorCode.APPLICATION_ERROR,
    data: typeof value === 'string' || typeof value === 'symbol' ? undefined : value,
  };
}

/**
 * The `RemoteError` a caller sees for an error that came over the wire, for a call to `method`
 * when it is given. Its `fields` become own properties of the error, except names a
 * `RemoteError` has already (own or inherited: `message`, `code`, `toString`, …) and
 * `__proto__`, `constructor`, `prototype`; its `cause` becomes a `RemoteError` too, at most
 * `MAX_CAUSES` deep.
 */
export function remoteError(wire: WireError, method?: string): RemoteError {
  return buildRemoteError(wire, method, 0);
}

function buildRemoteError(wire: WireError, method: string | undefined, depth: number): RemoteError {
  const cause =
    wire.cause !== undefined && depth < MAX_CAUSES
      ? buildRemoteError(wire.cause, undefined, depth + 1)
      : undefined;
  const error = new RemoteError({
    name: wire.name,
    message: wire.message,
    code: toErrorCode(wire.code),
    data: wire.data,
    remoteStack: wire.stack,
    cause,
    method,
  });
  const fields = wire.fields;
  if (typeof fields === 'object' && fields !== null) {
    for (const key of Object.keys(fields)) {
      if (RESERVED_FIELDS.has(key) || key in error) continue;
      Object.defineProperty(error, key, {
        value: fields[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return error;
}

/**
 * The error without what may have made it unencodable (`data`, `fields`, `cause`): name,
 * message, code and stack, which every codec carries. For an answer whose error failed to
 * encode.
 */
export function bareWireError(error: WireError): WireError {
  const bare: WireError = { name: error.name, message: error.message, code: error.code };
  if (error.stack !== undefined) bare.stack = error.stack;
  return bare;
}

/** A short text for logs and messages; never throws. */
export function describe(value: unknown): string {
  try {
    if (value instanceof Error) return `${String(value.name)}: ${String(value.message)}`;
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}
