/**
 * What a wire protocol is to the rest of farcall: a codec pair per role (Go's `net/rpc` split,
 * `ClientCodec` / `ServerCodec`), an optional opening exchange, and the capabilities it declares.
 *
 * - The **calling side** (`CallerCodec`) writes calls, notifications and cancels, and reads
 *   answers. It reads an answer's header first: an answer nobody waits for any more (its call
 *   timed out) is dropped without decoding its value.
 * - The **answering side** (`AnswererCodec`) reads calls and writes answers. A frame may hold a
 *   batch; malformed parts come back as `invalid` items that get the error answer the protocol
 *   prescribes (JSON-RPC's -32600), instead of closing the connection.
 *
 * A channel where both ends may call (the native protocol) has both codecs on each end, and
 * `route` says which one reads a frame.
 */
import type { ValueHooks } from '../codec/codec.js';
import type { Limits } from '../limits.js';

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

/** A call as the calling side sends it. Ids are the caller's, unique among its calls in flight. */
export interface OutgoingCall {
  readonly id: number;
  readonly method: string;
  readonly args: readonly unknown[];
  /** Keyword arguments (the Python protocol); absent for most calls. */
  readonly kwargs?: Record<string, unknown> | undefined;
  /** Small string map for auth tokens and trace context. */
  readonly meta?: Readonly<Record<string, string>> | undefined;
  /** Milliseconds the caller will wait, measured from when the call was sent. */
  readonly timeoutMs?: number | undefined;
  /**
   * Calls a function the other end passed over (a callback, by its reference id) instead of a
   * method by name; only where `capabilities.callbacks`.
   */
  readonly reference?: number | undefined;
}

export interface OutgoingNotify {
  readonly method: string;
  readonly args: readonly unknown[];
  readonly kwargs?: Record<string, unknown> | undefined;
  readonly meta?: Readonly<Record<string, string>> | undefined;
}

/** What the answering side reads. Ids are opaque to it: answers echo them as they came. */
export type Incoming = IncomingCall | IncomingNotify | IncomingCancel | IncomingInvalid;

export interface IncomingCall {
  readonly type: 'call';
  readonly id: unknown;
  readonly method: string;
  readonly args: unknown[];
  readonly kwargs?: Record<string, unknown> | undefined;
  readonly meta?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs?: number | undefined;
  /** A call of a function this end passed over (its reference id), not of a method by name. */
  readonly reference?: number | undefined;
}

export interface IncomingNotify {
  readonly type: 'notify';
  readonly method: string;
  readonly args: unknown[];
  readonly kwargs?: Record<string, unknown> | undefined;
  readonly meta?: Readonly<Record<string, string>> | undefined;
}

export interface IncomingCancel {
  readonly type: 'cancel';
  readonly id: unknown;
}

/** A part of a frame that is not a usable call; answered with `error` when it has an id. */
export interface IncomingInvalid {
  readonly type: 'invalid';
  /** The id to answer, when one could be read (`null` is a real id in JSON-RPC). */
  readonly id?: unknown;
  readonly hasId: boolean;
  readonly error: WireError;
}

/** The calls of one frame: one, or a batch that gets one frame of answers back. */
export interface CallGroup {
  readonly items: readonly Incoming[];
  readonly batch: boolean;
}

/**
 * An answer, both as the answering side writes it and as the calling side reads it. `meta` is
 * the response metadata the function set (`call.responseMeta`), where there is any.
 */
export type Answer =
  | {
      readonly type: 'result';
      readonly id: unknown;
      readonly value: unknown;
      readonly meta?: Readonly<Record<string, string>> | undefined;
    }
  | {
      readonly type: 'error';
      readonly id: unknown;
      readonly error: WireError;
      readonly meta?: Readonly<Record<string, string>> | undefined;
    };

export interface CallerCodec {
  /** Throws `CodecError`/`LimitError` for arguments that cannot be written; nothing is sent. */
  writeCall(call: OutgoingCall): Uint8Array;
  /** Throws `ProtocolError` where the protocol has no notifications. */
  writeNotify(notify: OutgoingNotify): Uint8Array;
  /** Only where `capabilities.cancel`. */
  writeCancel(id: number): Uint8Array;
  /** Several frames from `writeCall`/`writeNotify` as one (only where `capabilities.batch`). */
  writeBatch?(frames: readonly Uint8Array[]): Uint8Array;
  /**
   * The body `connect` posts over an exchange transport to learn at once that the endpoint
   * answers this protocol and takes the key: only the response's status is read, never its
   * body. Where it is absent, the probe is an empty batch (`writeBatch([])`).
   */
  writeProbe?(): Uint8Array;
  /**
   * Reads the answers in `frame`, calling `each` for every one whose id `wanted` accepts; the
   * values of the others are not decoded. Throws `ProtocolError`/`CodecError`/`LimitError` for a
   * frame that cannot be read (the channel closes). A protocol with no ids on the wire and one
   * call a request (XML-RPC) answers with `id: undefined`, which is the call of that request.
   */
  readAnswers(
    frame: Uint8Array,
    wanted: (id: number) => boolean,
    each: (answer: Answer) => void,
  ): void;
}

export interface AnswererCodec {
  /**
   * Reads a frame of calls. Throws `ProtocolError`/`CodecError`/`LimitError` for a frame that
   * cannot be read at all where the protocol has no error answer for that; otherwise returns
   * the problems as `invalid` items.
   */
  readCalls(frame: Uint8Array): CallGroup;
  /** Throws `CodecError`/`LimitError` for a value that cannot be written. */
  writeAnswer(answer: Answer): Uint8Array;
  /** The answers of a batch as one frame; undefined when there is nothing to send back. */
  writeBatch?(frames: readonly Uint8Array[]): Uint8Array | undefined;
}

/** Frames that are neither calls nor answers: liveness. */
export interface ControlCodec {
  writePing(nonce: number): Uint8Array;
  writePong(nonce: number): Uint8Array;
  /** The nonce of a PING or PONG frame. */
  nonce(frame: Uint8Array): number;
}

/**
 * The messages of streams and references, apart from calls of a reference (which are calls):
 * a stream's items, end, failure, credit and stop, and a reference kept or let go.
 */
export type ObjectMessage =
  | { readonly type: 'item'; readonly stream: number; readonly value: unknown }
  | { readonly type: 'end'; readonly stream: number }
  | { readonly type: 'fail'; readonly stream: number; readonly error: WireError }
  | {
      readonly type: 'credit';
      readonly stream: number;
      readonly items: number;
      readonly bytes: number;
    }
  | { readonly type: 'stop'; readonly stream: number }
  | { readonly type: 'retain'; readonly reference: number }
  | { readonly type: 'release'; readonly reference: number };

/**
 * Writes and reads the messages of streams and references (only where `capabilities.streams`
 * or `capabilities.callbacks`). The writers throw `CodecError`/`LimitError` for an item that
 * cannot be written; `readObject` throws `ProtocolError`/`CodecError`/`LimitError` for a frame
 * that cannot be read (the channel closes).
 */
export interface ObjectCodec {
  writeObject(message: ObjectMessage): Uint8Array;
  readObject(frame: Uint8Array): ObjectMessage;
}

/** What `route` says a frame is. */
export const Route = { CALLS: 0, ANSWERS: 1, PING: 2, PONG: 3, OBJECTS: 4 } as const;
export type Route = (typeof Route)[keyof typeof Route];

/**
 * What a protocol can carry; the session refuses the rest locally with a typed error, never
 * with a hang or a silent loss.
 */
export interface Capabilities {
  /** How an answer finds its call: by id, first in first out, or by the exchange it came in. */
  readonly correlation: 'id' | 'fifo' | 'exchange';
  readonly notify: boolean;
  readonly cancel: boolean;
  readonly ping: boolean;
  /** The call's timeout travels, so the handler's signal fires at the caller's deadline. */
  readonly deadline: boolean;
  readonly meta: boolean;
  readonly kwargs: boolean;
  /** Several calls in one frame (a POST body, a JSON-RPC batch). */
  readonly batch: boolean;
  readonly streams: boolean;
  readonly callbacks: boolean;
}

/** What the other end said about itself in the opening (the native HELLO), where it did. */
export interface PeerSettings {
  /** Calls it runs at once for us: more wait on this side. */
  readonly window?: number | undefined;
  /** Largest frame it accepts: a bigger call fails here, alone, with `LimitError`. */
  readonly maxFrameBytes?: number | undefined;
  /** It closes a connection silent for this long: ping well before. */
  readonly idleMs?: number | undefined;
}

/** One connection's protocol state, made by `open` (channels) or `codecs` (exchanges). */
export interface ProtocolConnection {
  readonly caller: CallerCodec | undefined;
  readonly answerer: AnswererCodec | undefined;
  readonly control: ControlCodec | undefined;
  /** Streams and references, where the protocol carries them. */
  readonly objects?: ObjectCodec | undefined;
  /** Which codec reads a frame, on channels where both directions share the frames. */
  route(frame: Uint8Array): Route;
  readonly capabilities: Capabilities;
  readonly peer: PeerSettings;
}

/** Which end of the connection a protocol instance serves. */
export type Role = 'client' | 'server';

export interface ProtocolOptions {
  readonly role: Role;
  readonly limits: Limits;
  /** Shared key for the opening handshake, when one is configured. */
  readonly authkey?: Uint8Array | undefined;
  /** Shared references and cycles in values: offered by this end (both must agree). */
  readonly references?: boolean | undefined;
  /** Whether this end answers calls (a server, or a client that exposes functions). */
  readonly answers: boolean;
  /**
   * How this connection's values carry streams and functions (the session's reference table,
   * which turns them into references); a protocol whose codec has hooks passes them on.
   */
  readonly hooks?: ValueHooks | undefined;
  /** Where this connection goes, for errors that say what cannot be carried there. */
  readonly where?: string | undefined;
  /** Protocol-specific options, passed through from `serve`/`connect` (`python`). */
  readonly [option: string]: unknown;
}

/** The channel as a protocol's opening sees it: frames in order, one reader. */
export interface OpeningLink {
  readonly peer: string;
  send(frame: Uint8Array): void;
  /**
   * The next frame, in order; `what` names it for the timeout's message ("no HELLO from …").
   * Rejects with `ConnectionClosedError` (or `ProtocolError` for a broken frame) when the channel
   * ends first, and with `TimeoutError` when `limits.handshakeTimeoutMs` passes (one deadline
   * for the whole opening, kept by the session).
   */
  next(what: string): Promise<Uint8Array>;
}

export interface Protocol {
  readonly name: string;
  /**
   * Runs the opening exchange (hello, authkey) on a fresh channel and returns the connection.
   * Rejects with `AuthenticationError` on a key mismatch and `ProtocolError` on a peer that
   * does not speak the protocol (saying what it seems to speak); the session closes the channel.
   */
  open(link: OpeningLink, options: ProtocolOptions): Promise<ProtocolConnection>;
  /**
   * Whether `open` exchanges anything on the wire with these options (default true). Until the
   * opening is done, frames are limited to `limits.maxHandshakeBytes`; a protocol with no
   * opening (Python's without an authkey) gets the full frame limit from the first frame.
   */
  hasOpening?(options: ProtocolOptions): boolean;
  /**
   * How many frames the peer sends in its part of the opening, with these options. The
   * handshake limit applies to those frames only: the one after the last may be a call sent at
   * once, in the same read as the opening's last message and before `open` has settled, and it
   * gets the full frame limit. Undefined: the handshake limit holds until `open` settles.
   */
  openingFrames?(options: ProtocolOptions): number;
  /**
   * Whether `frame` may be the first a client sends (the native HELLO), for message transports
   * with no per-peer connection (ZeroMQ), where a frame from an unknown peer either starts a
   * connection or is answered "unknown session". Undefined: any frame may (the Python protocol
   * has no opening over ZeroMQ).
   */
  opens?(frame: Uint8Array): boolean;
  /** The connection for an exchange transport, which has no opening (authentication is the exchange's). */
  codecs?(options: ProtocolOptions): ProtocolConnection;
  /** The content type of its frames on exchange transports (`application/x-msgpack`). */
  readonly contentType?: string;
  /**
   * Why it cannot run over a transport of this shape with these options, or undefined when it
   * can (the default): `serve` and `connect` refuse the URL with a `UsageError` that says so.
   * XML-RPC runs over HTTP only; JSON-RPC has no opening to prove an authkey on a channel.
   */
  refuses?(shape: 'channel' | 'exchange', options: ProtocolOptions): string | undefined;
  /** Its frames are UTF-8 text: the session calls the channel's `useText` (WebSocket text messages). */
  readonly textFrames?: boolean;
}
