/**
 * A transport moves whole frames between two ends, nothing else. Byte-stream transports (TCP,
 * TLS, Unix sockets) get their frames from a framer; message transports need none.
 *
 * Contract:
 * - `send` queues one frame; frames arrive in order. Sending on a closed transport is a no-op
 *   (the session has already failed its pending calls by then).
 * - `onFrame` is called once per received frame, in order. The frame may be a view into a
 *   larger buffer that is reused after the handler returns: copy what you keep.
 * - `onClose` is called exactly once, when either side closes or the connection fails; `error`
 *   is set when it failed. After it, no more frames arrive.
 * - `pause`/`resume` stop and restart delivery of frames (backpressure towards the peer).
 */
export interface Transport {
  send(frame: Uint8Array): void;
  close(error?: Error): void;
  pause(): void;
  resume(): void;
  onFrame: (frame: Uint8Array) => void;
  onClose: (error?: Error) => void;
  /** Whether `close` ran or the peer went away. */
  readonly closed: boolean;
  /** A human-readable description of the peer, for logs (`127.0.0.1:51234`). */
  readonly peer: string;
}
