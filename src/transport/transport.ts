/**
 * The two shapes a transport comes in, and how a transport module plugs in. Nothing here imports
 * a platform module: a transport module does, and it is loaded only when its URL scheme is used
 * (`schemes.ts`).
 *
 * - A **channel** is persistent: ordered frames both ways, either end may send at any time (TCP,
 *   TLS and Unix sockets through the framer; WebSocket; worker ports; memory). One session runs
 *   on it, on each end.
 * - An **exchange** is request → response, and the exchange itself ties the answer to its
 *   request (an HTTP POST). Calls ride in the request body, answers in the response body.
 */

import type { PeerCertificate } from '../identity.js';

/** What a channel delivers to the one receiver attached to it. */
export interface ChannelReceiver {
  /**
   * One whole frame, in order. The bytes may be a view into a buffer that is reused once this
   * returns: copy what you keep.
   */
  frame(frame: Uint8Array): void;
  /**
   * The channel ended, exactly once, after the last frame: `error` is undefined for a clean close
   * by either side, else why it failed (a reset, a frame over the limit, a malformed header).
   */
  closed(error: Error | undefined): void;
  /** What `send` queued has drained to the low-water mark (half of `maxPendingWriteBytes`). */
  drain?(): void;
  /**
   * The peer shut its sending side (TCP half-close): no frame will come any more, but frames
   * sent from here still reach it until the channel closes.
   */
  ended?(): void;
}

/**
 * A persistent, ordered, two-way carrier of frames.
 *
 * Contract:
 * - `attach` is called once. Frames (and a close) that arrive before it are queued and delivered
 *   to the receiver, in order, once it is attached; nothing is ever lost to a missing handler.
 * - `send` queues one frame; after the channel closed it does nothing (the session has failed
 *   its calls by then). Frames go out in order. The channel may keep the frame (a socket batches
 *   it) or take its buffer (a worker port transfers one that owns its whole `ArrayBuffer`): the
 *   sender must not use a frame's memory after `send`.
 * - `pause`/`resume` stop and restart delivery (counted: two pauses need two resumes). They are
 *   a last-resort bound on buffered bytes, never admission control.
 * - `close` ends the channel: with no error it lets queued frames go out first (bounded by a
 *   short grace period), with one it drops them. It resolves once the channel is closed; the
 *   receiver's `closed` has run by then.
 */
export interface Channel {
  /** The peer, for logs and messages: `127.0.0.1:51234`, `ws://host/path`, `memory://a`. */
  readonly peer: string;
  /** The peer's TLS client certificate, where TLS verified one (`peer-certificate.ts`). */
  readonly certificate?: PeerCertificate | undefined;
  attach(receiver: ChannelReceiver): void;
  send(frame: Uint8Array): void;
  /** Bytes given to `send` and not yet handed to the operating system (or the peer). */
  readonly bufferedBytes: number;
  /**
   * Sets the largest frame accepted from the peer, from the next frame on; `name` is the limit's
   * name for the error (`limits.maxHandshakeBytes`). A byte-stream channel checks it from the
   * length header, before buffering the body; a message channel when a message arrives. The
   * session lowers it to the handshake limit until the opening is done.
   */
  setFrameLimit(bytes: number, name: string): void;
  /**
   * The protocol's frames are UTF-8 text (JSON-RPC): a message channel sends them as text
   * messages from now on, and takes text messages as frames (their UTF-8 bytes) besides binary
   * ones. The session calls it at creation, before any frame, for a protocol that declares
   * `textFrames`. Channels of bytes (sockets, memory) leave it out: a frame is bytes there
   * either way.
   */
  useText?(): void;
  pause(): void;
  resume(): void;
  close(error?: Error): Promise<void>;
  /** Resolves (never rejects) when the channel has ended, with why: undefined for a clean close. */
  readonly done: Promise<Error | undefined>;
}

/** One request of an exchange transport, as the calling side sends it. */
export interface ExchangeRequest {
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Aborts the request (the server sees its connection close). */
  readonly signal?: AbortSignal | undefined;
  /**
   * How long the longest-waiting call in it waits, in ms; undefined when one of them waits for
   * ever. A transport that must bound every request itself, because nothing tells it that the
   * server went away (NATS), waits this long and a little more, so the call's own deadline
   * speaks first.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Nothing in it waits for an answer (it holds only notifications): a transport may send it
   * without waiting for one (NATS publishes it) and resolve 204 at once.
   */
  readonly oneWay?: boolean | undefined;
}

/** The answer to one request. */
export interface ExchangeResponse {
  readonly status: number;
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The calling end of an exchange transport. `request` rejects with `ConnectionClosedError` when
 * the server cannot be reached or the connection fails mid-request, with `AbortError` when the
 * signal aborts; any HTTP status resolves (the protocol decides what a status means).
 */
export interface Exchange {
  readonly peer: string;
  /** The path of the URL dialled (`/rpc`), which the authkey proof covers. */
  readonly path: string;
  request(request: ExchangeRequest): Promise<ExchangeResponse>;
  close(): Promise<void>;
}

/** One request as the answering end of an exchange transport receives it. */
export interface IncomingExchange {
  /** The request's path (`/rpc`), which the authkey proof covers. */
  readonly path: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly peer: string;
  /** The requester's TLS client certificate, where TLS verified one (`peer-certificate.ts`). */
  readonly certificate?: PeerCertificate | undefined;
  /** Aborts when the requester goes away before the answer is sent. */
  readonly signal: AbortSignal;
  /** Identifies the underlying connection, for per-connection admission (keep-alive). */
  readonly connection: object;
}

/** A connection in a transport-level handshake (see `ListenHandlers.pending`). */
export interface PendingConnection {
  settled: () => void;
  abort(): void;
}

/** The server's side of the transports: what a listener hands each connection or request to. */
export interface ListenHandlers {
  /**
   * A channel transport accepted a connection. The server returns a promise that resolves once
   * the connection's opening is done and rejects if it failed (undefined when it refused the
   * connection), for a transport whose listening depends on it.
   */
  channel?(channel: Channel): Promise<void> | undefined;
  /**
   * A connection is in a transport-level handshake (TLS) before it becomes a channel: the server
   * counts it among the openings `limits.maxHandshakes` bounds. `settled` is set by the server
   * and called once when the connection leaves that phase; `abort` closes it quietly.
   */
  pending?(connection: PendingConnection): void;
  /** An exchange transport received a request; the promise is the response to send. */
  exchange?(request: IncomingExchange): Promise<ExchangeResponse>;
  /**
   * A GET of an exchange endpoint's page (the playground): `name` is '' for the endpoint's own
   * path, else the file below it (`PATH/_farcall/NAME`). Resolves the response, or undefined
   * when there is no such page (the endpoint answers 405 at its path, 404 below it).
   */
  page?(name: string): Promise<ExchangeResponse | undefined>;
}

export interface ListenOptions {
  readonly handlers: ListenHandlers;
  /** Options of the transport (TLS keys, an existing HTTP server, …), passed through from `serve`. */
  readonly transport: Readonly<Record<string, unknown>>;
  readonly maxFrameBytes: number;
  readonly maxPendingWriteBytes: number;
  /** Deadline for a transport-level handshake (TLS, HTTP headers, a WebSocket upgrade), in ms. */
  readonly handshakeTimeoutMs: number;
  /** Deadline for an HTTP request's body to arrive whole, in ms (`limits.requestTimeoutMs`). */
  readonly requestTimeoutMs: number;
  /**
   * A map the listeners of one `serve` share, so that transports can share what they bind (the
   * HTTP and WebSocket endpoints of one port share one server: `http-host.ts`).
   */
  readonly shared: Map<unknown, unknown>;
  readonly warn: (message: string) => void;
  /**
   * Whether a first frame from a peer the listener does not know may start a connection, for
   * message transports that have no per-peer connection to open (ZeroMQ): the protocol's
   * opening message (a native HELLO). Undefined: any frame starts one.
   */
  readonly opens?: ((frame: Uint8Array) => boolean) | undefined;
  /**
   * The methods served, with their parameter names, for a transport that advertises them (the
   * NATS services API's `$SRV.INFO`).
   */
  readonly methods?: () => readonly { readonly name: string; readonly params: readonly string[] }[];
}

export interface Listener {
  /** The bound address, port 0 resolved (`tcp://127.0.0.1:41234`). */
  readonly url: string;
  /** Whether peers on other machines can reach it (for the keyless-bind warning). */
  readonly loopback: boolean;
  /**
   * Stops accepting. Never waits on peers: connections it handed out belong to their sessions.
   * An exchange listener that cannot tell its clients it is going (NATS) stops taking requests,
   * then answers those it took for up to `drainMs` before it lets go of them.
   */
  close(drainMs?: number): Promise<void>;
}

export interface DialOptions {
  readonly transport: Readonly<Record<string, unknown>>;
  /**
   * The protocol the connection will carry (`farcall`, `python`), for transports whose own
   * messages depend on who is at the other end (ZeroMQ's goodbye, which a REP socket of the
   * Python recipe must never see).
   */
  readonly protocol?: string | undefined;
  readonly maxFrameBytes: number;
  readonly maxPendingWriteBytes: number;
  /** Aborts the dial (the connect timeout, or the user's signal). */
  readonly signal: AbortSignal;
}

/** What `serve` or `connect` will run over a transport, for `TransportModule.prepare`. */
export interface TransportUse {
  readonly url: string;
  readonly role: 'client' | 'server';
  /** The protocol's name (`farcall`, `python`). */
  readonly protocol: string;
  readonly authkey: boolean;
}

/** Protocol options a transport implies (ZeroMQ: the recipe's single-pickle form). */
export interface TransportDefaults {
  readonly python?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A transport module: the URL schemes it serves and how to dial and listen on them. It is a leaf
 * that imports only this file (and its platform); `schemes.ts` loads it on first use.
 */
export interface TransportModule {
  readonly shape: 'channel' | 'exchange';
  /** The shape of one URL, where the URL chooses it (ZeroMQ's `?exchange`); default `shape`. */
  shapeOf?(url: string): 'channel' | 'exchange';
  /**
   * Checks, before anything is dialled or bound, that this transport can carry `use`: throws
   * `UsageError` for a protocol or option it cannot (the Python protocol's authkey handshake
   * over ZeroMQ), and returns the protocol options it implies, which the user's override.
   */
  prepare?(use: TransportUse): TransportDefaults | undefined;
  /**
   * For an exchange: whether calls made in one turn of the event loop share a request unless
   * `transport: { batch }` says otherwise (default true; NATS sends one request per call, so
   * each call is balanced, bounded and cancelled on its own).
   */
  readonly batch?: boolean;
  /** Rejects with `ConnectionClosedError` when the peer cannot be reached, `AbortError` on abort. */
  dial(url: string, options: DialOptions): Promise<Channel | Exchange>;
  /** Rejects with the bind error, or `UsageError` for a URL it cannot listen on. */
  listen?(url: string, options: ListenOptions): Promise<Listener>;
}
