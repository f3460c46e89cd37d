/**
 * What every value codec of farcall takes: the limits it enforces while it works, whether shared
 * references are on, and the hooks through which values it cannot carry by itself (functions,
 * streams, promises) become references that a protocol manages.
 *
 * A codec is two pure functions, bytes in and bytes out, with no process-wide state that one
 * caller could change for another: everything that varies per connection is in these options.
 */

export interface ValueHooks {
  /**
   * Encoding met a value the codec cannot carry by itself: a function, an async iterable that is
   * not an array/Map/Set/typed array, a ReadableStream (has getReader), a promise or thenable.
   * Return what to send in its place (it is encoded behind the reference tag, see below), or
   * undefined to refuse: the codec then throws CodecError naming the kind of value.
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
  /** Decoded items per frame, counting through references (limits.maxItems). Also bounds the
   *  encoder: a value that expands past it (a DAG written as a tree) is a LimitError. */
  maxItems: number;
  /** Shared references and cycles, negotiated by the protocol (default false). */
  references?: boolean;
  hooks?: ValueHooks | undefined;
}
