/**
 * The interface a proxy calls through. A channel session, an exchange client (HTTP), and later a
 * reconnecting client or a worker pool each implement it, so the same `Remote<T>` stands in
 * front of any of them.
 */
export interface CallOptions {
  /** Milliseconds to wait for the answer; 0, undefined or Infinity wait for ever. */
  timeout?: number | undefined;
  signal?: AbortSignal | undefined;
  meta?: Record<string, string> | undefined;
  kwargs?: Record<string, unknown> | undefined;
  /**
   * Called with the answer's response metadata (`call.responseMeta` on the server; empty when it
   * set none) once the answer arrives, result or error, before the call settles. What it throws
   * rejects the call.
   */
  onResponseMeta?: ((meta: Readonly<Record<string, string>>) => void) | undefined;
}

export interface Caller {
  /** The address it calls, for `String(remote)` and messages: `tcp://127.0.0.1:7000`. */
  readonly url: string;
  /**
   * Calls `method` on the other end. Rejects with `RemoteError` for a remote failure (its
   * `method` set, the call site in its stack), `TimeoutError` when `timeout` passes (the late
   * answer is dropped), `AbortError` when `signal` aborts, `ConnectionClosedError` when the
   * connection is or becomes closed, `CodecError`/`LimitError` when the arguments cannot be sent
   * (nothing is sent then), and `UsageError` for bad options.
   */
  call(
    method: string,
    args: readonly unknown[],
    options: CallOptions | undefined,
  ): Promise<unknown>;
  /**
   * Sends a call that expects no answer. Throws `ConnectionClosedError` on a closed connection,
   * `ProtocolError` where the protocol has no notifications, `CodecError` when the arguments
   * cannot be encoded.
   */
  notify(method: string, args: readonly unknown[], options: CallOptions | undefined): void;
  /** Closes; pending calls reject with `ConnectionClosedError` (`requested: true`). Idempotent. */
  close(): Promise<void>;
}
