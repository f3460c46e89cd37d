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

/**
 * Builds the error shape that crosses the wire from anything a function threw: an `Error`
 * keeps its name, message, `data` (or a Node-style `code` as `{ code }`) and, if asked, its
 * stack; other values become an `Error` with the value as `data`. Never throws, whatever the
 * value (getters that throw, symbols, objects without a prototype).
 */
export function toWireError(error: unknown, exposeStack: boolean): WireError {
  try {
    return error instanceof Error ? fromError(error, exposeStack) : fromValue(error);
  } catch {
    return UNENCODABLE_ERROR;
  }
}

function fromError(error: Error, exposeStack: boolean): WireError {
  const name = typeof error.name === 'string' && error.name ? error.name : error.constructor?.name;
  const wire: WireError = {
    name: typeof name === 'string' && name ? name : 'Error',
    message: typeof error.message === 'string' ? error.message : describe(error.message),
    code: error instanceof RemoteError ? error.code : ErrorCode.APPLICATION_ERROR,
  };
  const extra = error as { data?: unknown; code?: unknown };
  if (extra.data !== undefined) wire.data = extra.data;
  else if (
    !(error instanceof RemoteError) &&
    (typeof extra.code === 'string' || typeof extra.code === 'number')
  ) {
    wire.data = { code: extra.code };
  }
  if (exposeStack && typeof error.stack === 'string') wire.stack = error.stack;
  return wire;
}

function fromValue(value: unknown): WireError {
  // Strings, numbers and objects thrown as they are still arrive as a RemoteError.
  return {
    name: 'Error',
    message: typeof value === 'string' ? value : `non-Error value thrown: ${describe(value)}`,
    code: ErrorCode.APPLICATION_ERROR,
    data: typeof value === 'string' ? undefined : value,
  };
}

/** The `RemoteError` a caller sees for an error that came over the wire. */
export function remoteError(wire: WireError, method?: string): RemoteError {
  return new RemoteError({
    name: wire.name,
    message: wire.message,
    code: toErrorCode(wire.code),
    data: wire.data,
    remoteStack: wire.stack,
    method,
  });
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
