/**
 * What every codec shares: the options of one encode or decode, and the value hooks through
 * which streams and callbacks become references. (Temporary copy of the interface the codec
 * rewrite brings; see /work/specs/codec.md.)
 */
export interface ValueHooks {
  /**
   * Encoding met a value the codec cannot carry by itself (a function, an async iterable, a
   * ReadableStream, a promise): return what to send in its place, or undefined to refuse.
   */
  replace?(value: unknown): unknown;
  /** Decoding read a reference tag and the value behind it: return what the receiver sees. */
  revive?(value: unknown): unknown;
}

export interface CodecOptions {
  /** Nesting limit for user values (limits.maxDepth). */
  maxDepth: number;
  /** Protocol container levels around user values that the depth limit does not count. */
  envelope?: number;
  /** Decoded items per frame, counting through references (limits.maxItems). */
  maxItems: number;
  /** Shared references and cycles, negotiated by the protocol (default false). */
  references?: boolean;
  hooks?: ValueHooks | undefined;
}
