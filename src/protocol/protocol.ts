import type { Limits } from '../limits.js';
import type { Transport } from '../transport/transport.js';

/**
 * The RPC events a protocol carries, independent of any wire format. The session speaks only
 * these; a protocol maps them to and from frames.
 */
export type Message =
  | CallMessage
  | NotifyMessage
  | ResultMessage
  | ErrorMessage
  | CancelMessage
  | PingMessage
  | PongMessage;

export interface CallMessage {
  readonly type: 'call';
  readonly id: number;
  readonly method: string;
  readonly args: unknown[];
  /** Keyword arguments (the Python protocol); absent for most calls. */
  readonly kwargs?: Record<string, unknown> | undefined;
  /** Small string map for auth tokens and trace context. */
  readonly meta?: Record<string, string> | undefined;
  /** Milliseconds the caller will wait, measured from when the call was sent. */
  readonly timeoutMs?: number | undefined;
}

export interface NotifyMessage {
  readonly type: 'notify';
  readonly method: string;
  readonly args: unknown[];
  readonly kwargs?: Record<string, unknown> | undefined;
  readonly meta?: Record<string, string> | undefined;
}

export interface ResultMessage {
  readonly type: 'result';
  readonly id: number;
  readonly value: unknown;
}

/** The error shape that crosses the wire: what `RemoteError` is built from. */
export interface WireError {
  name: string;
  message: string;
  code: string;
  data?: unknown;
  stack?: string | undefined;
  /**
   * The thrown error's other own enumerable properties (`status`, `resource`, …), which the
   * caller's `RemoteError` gets as own properties.
   */
  fields?: Record<string, unknown> | undefined;
  /** The error's `cause`, the same shape again, at most 8 levels deep. */
  cause?: WireError | undefined;
}

export interface ErrorMessage {
  readonly type: 'error';
  readonly id: number;
  readonly error: WireError;
}

export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: number;
}

export interface PingMessage {
  readonly type: 'ping';
  readonly nonce: number;
}

export interface PongMessage {
  readonly type: 'pong';
  readonly nonce: number;
}

/** Which end of the connection a protocol instance serves. */
export type Role = 'client' | 'server';

export interface ProtocolOptions {
  role: Role;
  limits: Limits;
  /** Shared key for the handshake, when one is configured. */
  authkey?: Uint8Array | undefined;
  /** Protocol-specific options, passed through from `serve`/`connect`. */
  [option: string]: unknown;
}

/**
 * One protocol's state for one connection. Created by a `Protocol` after its handshake.
 *
 * `encode` and `decode` throw `ProtocolError` (wrong shape) or `CodecError` (undecodable bytes,
 * value that cannot be written); the session closes the connection on a decode failure and
 * fails only the one call on an encode failure.
 */
export interface ProtocolConnection {
  encode(message: Message): Uint8Array;
  decode(frame: Uint8Array): Message;
  /**
   * True when the protocol cannot match answers to calls by id, so the server must answer one
   * call at a time, in order (the Python protocol).
   */
  readonly ordered: boolean;
  /** Which message types the protocol can carry; the session refuses the others locally. */
  readonly supportsNotify: boolean;
  readonly supportsCancel: boolean;
  readonly supportsPing: boolean;
}

export interface Protocol {
  readonly name: string;
  /**
   * Runs the protocol's opening exchange (hello, authkey) on a fresh transport and returns the
   * connection state. Rejects with `AuthenticationError` on a key mismatch, `ProtocolError` on
   * a peer that does not speak the protocol, and `TimeoutError` past `limits.handshakeTimeoutMs`;
   * the caller closes the transport.
   */
  open(transport: Transport, options: ProtocolOptions): Promise<ProtocolConnection>;
}
