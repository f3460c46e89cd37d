/**
 * Everything that comes off the wire is bounded. These are the defaults; `serve` and `connect`
 * take a `limits` option that overrides any of them. Each field says why it has its value.
 *
 * What one connection can cost the process, at most: `maxFrameBytes` of a frame being read, the
 * decoded values of `maxInFlight` calls (each at most `maxItems` items),
 * `maxPendingWriteBytes` of answers it has not read, and, for each of `maxStreams` streams it
 * sends, twice `streamWindowBytes` of items. Before it authenticates, a connection can
 * cost only `maxHandshakeBytes`, and there are at most `maxHandshakes` of those at once.
 */
export interface Limits {
  /**
   * Largest frame accepted after the opening, in bytes. A length header above it closes the
   * connection before a byte of the body is buffered, so a hostile 2 GiB header costs nothing.
   * 16 MiB carries any reasonable argument (larger data belongs in a stream) while keeping one
   * connection from taking the process's memory.
   */
  maxFrameBytes: number;
  /**
   * Largest frame accepted before the opening (hello, authkey handshake) is done, in bytes, also
   * checked from the length header. Handshake messages are a few hundred bytes; a peer that has
   * not authenticated must not make the server buffer more than that.
   */
  maxHandshakeBytes: number;
  /**
   * Calls and notifications a server runs at once for one connection. Past it, new calls are
   * answered at once with an `UNAVAILABLE` error (notifications are dropped and logged): the
   * server never stops reading for it, so answers a running handler waits for still arrive.
   * Native clients learn the window in HELLO and queue excess calls themselves.
   */
  maxInFlight: number;
  /**
   * Deepest nesting of arrays, objects, maps and sets in a decoded value. Deep nesting costs
   * stack in the decoder and in user code; 64 levels is far past any honest payload.
   */
  maxDepth: number;
  /**
   * Values decoded from one frame (every array, map, string, number, … counts one; a value
   * reached through a shared reference counts again each time). It bounds the heap a frame can
   * make (about 100 bytes an item at worst) and the work of any code that walks the value as a
   * tree: a 1 MiB frame of empty maps would otherwise make 60 MiB of objects.
   */
  maxItems: number;
  /** Time a new connection has to finish the hello and authkey handshake, in ms. */
  handshakeTimeoutMs: number;
  /**
   * Connections a server holds in their opening at once. Past it, the one that has waited
   * longest is closed to make room: honest peers finish in milliseconds, so a flood of peers that
   * never finish cannot lock them out, and it cannot hold more than this many sockets.
   */
  maxHandshakes: number;
  /**
   * Open connections a server holds, authenticated or not. Past it, new connections are closed at
   * once, with a log line: the process keeps file descriptors for the connections it serves.
   */
  maxConnections: number;
  /**
   * A connection that sends no frame for this long while no call of its runs is closed, in ms.
   * Native clients ping at a third of the interval the server announces, so only dead or silent
   * peers are closed; a peer that trickles a frame byte by byte is closed too.
   */
  idleTimeoutMs: number;
  /**
   * Time an HTTP request has, from its headers to the last byte of its body, in ms; past it the
   * server answers 408 and closes that connection. A client that trickles a body would otherwise
   * hold a connection, and up to `maxFrameBytes` of buffer, for as long as it likes; 30 s lets a
   * full 16 MiB body come at half a megabyte a second. (The headers themselves, and a WebSocket
   * upgrade, have `handshakeTimeoutMs`.)
   */
  requestTimeoutMs: number;
  /**
   * Bytes of answers queued on one connection whose peer is not reading them. Past it, the
   * server stops reading that peer (its calls wait in the socket, then in the peer) until the
   * answers drain: memory stays bounded for a client that never reads, sync or async answers.
   */
  maxPendingWriteBytes: number;
  /**
   * Streams open at once on one connection, counted each way: those this end consumes (each
   * holds up to a window of items here) and those it produces (each holds a suspended
   * producer). Past it, a stream that arrives fails alone with `LimitError` (its producer is
   * stopped) and one that would be sent fails its call or item locally: a peer cannot make
   * this end hold streams without bound, and one end's streams do not crowd out the calls.
   */
  maxStreams: number;
  /**
   * Items of one stream that may be on their way or waiting to be read: the credit a consumer
   * gives its producer, returned as items are read. A slow consumer makes a fast producer wait
   * here; 256 items keep 1 KiB items flowing at full speed on a loopback socket.
   */
  streamWindow: number;
  /**
   * Bytes of one stream that may be on their way or waiting to be read (encoded items), and so
   * also the largest item a stream carries: a producer fails an item over its consumer's window,
   * and a consumer refuses one. A consumer then holds at most twice this much per stream
   * (one item may overshoot), whatever the rates; 1 MiB is a generous chunk of a file.
   */
  streamWindowBytes: number;
  /**
   * Functions passed across one connection and alive at once, counted each way: those the peer
   * can call here (exported) and those this end can call there (imported). A callback in a
   * call's arguments lives until the call ends (or `release` where `retain` kept it), so only
   * retained callbacks and functions in results accumulate; past it the function fails alone.
   */
  maxReferences: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 16 * 1024 * 1024,
  maxHandshakeBytes: 1024,
  maxInFlight: 1024,
  maxDepth: 64,
  maxItems: 1_000_000,
  handshakeTimeoutMs: 10_000,
  maxHandshakes: 128,
  maxConnections: 10_000,
  idleTimeoutMs: 300_000,
  requestTimeoutMs: 30_000,
  maxPendingWriteBytes: 16 * 1024 * 1024,
  maxStreams: 1024,
  streamWindow: 256,
  streamWindowBytes: 1024 * 1024,
  maxReferences: 10_000,
});

/** The longest delay a JavaScript timer can wait, in ms (2^31 - 1, about 24.8 days). */
export const MAX_TIMER_MS = 0x7fffffff;

/** Merges user overrides onto the defaults, refusing values that make no sense. */
export function resolveLimits(overrides?: Partial<Limits>): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) {
      throw new RangeError(
        `farcall: unknown limit '${key}' (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})`,
      );
    }
    // An override of undefined means "the default", as it does for every other option.
    if (value !== undefined) limits[key as keyof Limits] = value;
  }
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0)) {
      throw new RangeError(
        `farcall: limits.${key} must be a positive number, got ${String(value)}`,
      );
    }
  }
  return limits;
}
