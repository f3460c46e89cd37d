/**
 * Every error farcall raises. Failures that crossed the wire are one class, `RemoteError`;
 * local failures are a short catalogue of named classes, all extending `FarcallError`, each
 * with a `farcall:` message prefix and `cause` support.
 */

/** The closed set of codes a `RemoteError` carries. */
export const ErrorCode = {
  /** The remote function threw or rejected. */
  APPLICATION_ERROR: 'APPLICATION_ERROR',
  /** No function is registered under the name asked for. */
  METHOD_NOT_FOUND: 'METHOD_NOT_FOUND',
  /** The arguments could not be used (wrong shape for the protocol, kwargs where none are taken). */
  INVALID_PARAMS: 'INVALID_PARAMS',
  /** The server refused the request itself (malformed, over a limit). */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** The server gave up on the call because its deadline passed or the caller cancelled. */
  CANCELLED: 'CANCELLED',
  /** The server is shutting down and takes no new calls. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** The server failed in a way that is not the function's doing. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const codes: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/** Narrows a code read off the wire to the closed set; anything else becomes `INTERNAL`. */
export function toErrorCode(value: unknown): ErrorCode {
  return typeof value === 'string' && codes.has(value) ? (value as ErrorCode) : ErrorCode.INTERNAL;
}

export interface RemoteErrorInit {
  /** Name of the error class on the remote side (`TypeError`, `ValueError`, …). */
  name?: string;
  message: string;
  code?: ErrorCode;
  data?: unknown;
  /** The remote stack, present only when the server chose to send it (`exposeStack`). */
  remoteStack?: string | undefined;
  cause?: unknown;
  /** The dotted name of the method that failed. */
  method?: string | undefined;
}

/**
 * A failure that happened on the other side of a connection: the remote function threw, or the
 * server refused the call. `name` is the remote error's class name, so `err.name === 'TypeError'`
 * works across the wire; `instanceof RemoteError` tells it from a local failure. The remote
 * error's own fields (`status`, …) are own properties of it, and its `cause` is a `RemoteError`
 * too.
 */
export class RemoteError extends Error {
  override name: string;
  readonly code: ErrorCode;
  readonly data: unknown;
  readonly remoteStack: string | undefined;
  /** The dotted name of the method that failed, when the error answers a call. */
  readonly method: string | undefined;

  constructor(init: RemoteErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = init.name ?? 'Error';
    this.code = init.code ?? ErrorCode.APPLICATION_ERROR;
    this.data = init.data;
    this.remoteStack = init.remoteStack;
    this.method = init.method;
    // The stack's first line was written before `name` was set: make it say `TypeError: …`.
    const header = this.message ? `Error: ${this.message}` : 'Error';
    if (typeof this.stack === 'string' && this.stack.startsWith(header)) {
      this.stack = `${this.name}${this.message ? `: ${this.message}` : ''}${this.stack.slice(header.length)}`;
    }
  }
}

/** Base of the local failures; never thrown by itself. */
export class FarcallError extends Error {
  override name = 'FarcallError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message.startsWith('farcall:') ? message : `farcall: ${message}`, options);
  }
}

/** A call's deadline passed before its answer came; a late answer is dropped. */
export class TimeoutError extends FarcallError {
  override name = 'TimeoutError';
}

/**
 * The connection ended while calls were pending, or a call was made on a closed connection.
 * `requested` tells a close asked for by this side (`close(remote)`) from a lost connection.
 */
export class ConnectionClosedError extends FarcallError {
  override name = 'ConnectionClosedError';
  readonly requested: boolean;

  constructor(message: string, options?: { cause?: unknown; requested?: boolean }) {
    super(message, options);
    this.requested = options?.requested ?? false;
  }
}

/** The authkey handshake failed: a wrong key on either side, or a peer that skipped it. */
export class AuthenticationError extends FarcallError {
  override name = 'AuthenticationError';
}

/** The peer broke the protocol: a malformed frame, a message of the wrong shape. */
export class ProtocolError extends FarcallError {
  override name = 'ProtocolError';
}

/** A codec could not encode or decode a value (unsupported type, refused pickle global, …). */
export class CodecError extends FarcallError {
  override name = 'CodecError';
}

/** Input went past a configured limit (frame size, nesting depth, in-flight calls). */
export class LimitError extends FarcallError {
  override name = 'LimitError';
}

/** The caller aborted the call with its `AbortSignal`. */
export class AbortError extends FarcallError {
  override name = 'AbortError';
}

/** The caller used the API wrongly (a bad URL, an unknown protocol, a bad option). */
export class UsageError extends FarcallError {
  override name = 'UsageError';
}
