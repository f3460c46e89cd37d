import { ConnectionClosedError, FarcallError, ProtocolError, TimeoutError } from '../errors.js';
import type { Transport } from './transport.js';

/**
 * Reads a protocol's opening exchange (hello, authkey handshake) off a transport. It owns the
 * transport's handlers until `release`: frames are queued so that none is lost between two
 * reads, one deadline covers the whole exchange, and each message is capped in size.
 */
export class FrameReader {
  private readonly frames: Uint8Array[] = [];
  private waiter: ((frame: Uint8Array) => void) | undefined;
  private failer: ((error: Error) => void) | undefined;
  private failure: Error | undefined;
  private readonly deadline: number;
  private readonly prevFrame: (frame: Uint8Array) => void;
  private readonly prevClose: (error?: Error) => void;

  constructor(
    readonly transport: Transport,
    /** Milliseconds the whole exchange may take, from now. */
    private readonly timeoutMs: number,
    private readonly maxMessage: number,
  ) {
    this.deadline = Date.now() + timeoutMs;
    if (transport.closed)
      this.failure = new ConnectionClosedError('the connection closed before the handshake');
    this.prevFrame = transport.onFrame;
    this.prevClose = transport.onClose;
    transport.onFrame = (frame) => {
      this.frames.push(frame.slice());
      this.wake();
    };
    transport.onClose = (error) => {
      const message = `the connection closed during the handshake${error ? `: ${error.message}` : ''}`;
      // A peer that broke the framing is a protocol failure; a peer that hung up, or a socket or
      // TLS error (a refused client certificate), is a closed connection.
      this.failure =
        error instanceof FarcallError
          ? new ProtocolError(message, { cause: error })
          : new ConnectionClosedError(message, { cause: error });
      this.wake();
      this.prevClose(error);
    };
  }

  /**
   * The next frame. Rejects with `TimeoutError` past the deadline, `ProtocolError` on close or on
   * a frame over `maxMessage` bytes.
   */
  next(what: string): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.waiter = this.failer = undefined;
          reject(new TimeoutError(`no ${what} within ${this.timeoutMs} ms (handshake deadline)`));
        },
        Math.max(0, this.deadline - Date.now()),
      );
      this.waiter = (frame) => {
        clearTimeout(timer);
        if (frame.length > this.maxMessage) {
          reject(
            new ProtocolError(
              `handshake message of ${frame.length} bytes (limit ${this.maxMessage})`,
            ),
          );
        } else resolve(frame);
      };
      this.failer = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      this.wake();
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    const failer = this.failer;
    if (!waiter || !failer) return;
    const frame = this.frames.shift();
    if (frame === undefined && this.failure === undefined) return;
    this.waiter = this.failer = undefined;
    if (frame !== undefined) waiter(frame);
    else failer(this.failure!);
  }

  /**
   * Gives the handlers back. The transport stays paused until the next macrotask, and frames
   * read past the handshake (a first call sent right behind the last handshake message) are
   * re-delivered to `transport.onFrame` then: the session installs its handler meanwhile, as
   * soon as the protocol's `open` resolves, so no frame is lost or reordered.
   */
  release(): void {
    const { transport } = this;
    transport.onFrame = this.prevFrame;
    transport.onClose = this.prevClose;
    if (transport.closed) return;
    const early = this.frames.splice(0);
    transport.pause();
    setImmediate(() => {
      for (const frame of early) if (!transport.closed) transport.onFrame(frame);
      transport.resume();
    });
  }
}
