import type { Identity } from './identity.js';
import type { Remote } from './proxy.js';

/**
 * What a function registered with `withContext` learns about the call it is running.
 * `signal` aborts when the caller gives up: its timeout passed (the deadline travels with the
 * call), it cancelled or aborted the call, or the connection closed. The abort `reason` says
 * which: a `TimeoutError`, a `RemoteError` with code `CANCELLED`, or a `ConnectionClosedError`.
 *
 * `Caller` types `call.caller`, the calling end's exposed functions (`withContext<CallerApi>`).
 */
export interface CallContext<Caller = unknown> {
  readonly signal: AbortSignal;
  /** The string metadata the caller attached (`withOptions(remote, { meta })`). */
  readonly meta: Readonly<Record<string, string>>;
  /** The dotted name the function was called by. */
  readonly method: string;
  /** The caller's address, for logs. */
  readonly peer: string;
  /** What the connection proved about the caller: the authkey, a TLS client certificate. */
  readonly identity: Identity;
  /**
   * Metadata for the caller, sent with the answer (a result or an error): set keys on it, string
   * values only (`call.responseMeta.etag = '…'`). The client reads it with `onResponseMeta`.
   * Over a protocol without metadata (`python`), and for notifications, it is not sent.
   */
  readonly responseMeta: Record<string, string>;
  /**
   * Values the server's interceptors put here for the function (`call.state.user = …`): one
   * object per call, empty without interceptors.
   */
  readonly state: Record<string, unknown>;
  /**
   * A remote of what the calling end exposed (`connect(url, { expose })`), on the same
   * connection: the server can call its client back. Calls through it reject with `UsageError`
   * where the connection cannot carry calls that way (HTTP, the Python protocol).
   */
  readonly caller: Remote<Caller>;
}
