/**
 * Everything that comes off the wire is bounded. These are the defaults; `serve` and `connect`
 * take a `limits` option that overrides any of them. Each field says why it has its value.
 */
export interface Limits {
  /**
   * Largest frame accepted, in bytes. A length header above it closes the connection before a
   * byte of the body is buffered, so a hostile 2 GiB header costs nothing. 64 MiB carries any
   * reasonable argument while keeping one connection from taking the process's memory.
   */
  maxFrameBytes: number;
  /**
   * Calls a server runs at once for one connection. Past it the server stops reading that
   * socket until answers go out: TCP backpressure slows the client, nothing is dropped.
   */
  maxInFlight: number;
  /**
   * Deepest nesting of arrays, objects, maps and sets in a decoded value. Deep nesting costs
   * stack in the decoder and in user code; 64 levels is far past any honest payload.
   */
  maxDepth: number;
  /** Time a new connection has to finish the hello and authkey handshake, in ms. */
  handshakeTimeoutMs: number;
  /**
   * Bytes of answers a server lets queue on one connection whose peer is not reading, before it
   * stops reading that peer's calls. It keeps memory bounded for a client that never reads.
   */
  maxPendingWriteBytes: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 64 * 1024 * 1024,
  maxInFlight: 1024,
  maxDepth: 64,
  handshakeTimeoutMs: 10_000,
  maxPendingWriteBytes: 16 * 1024 * 1024,
});

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
