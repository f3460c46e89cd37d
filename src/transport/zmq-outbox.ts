/** The send queue of a ZeroMQ socket, which both ends of `zmq+tcp://` share. */
import type { ZmqSocket } from './zmq-socket.js';

/**
 * The messages one socket sends, in order. The `zeromq` package takes one send at a time (a
 * second while the first waits for room is refused with `EBUSY`), so the next leaves when the
 * previous one is queued in ZeroMQ; most are queued at once. `onError` hears a send that failed
 * (the socket closed, or, under `sendTimeout: 0`, a peer that is gone or not reading).
 */
export class Outbox {
  private readonly queue: { parts: (Uint8Array | string)[]; bytes: number; tag: unknown }[] = [];
  private busy = false;
  private backlogged = false;
  private emptied: (() => void)[] = [];
  /** Bytes given to `push` and not yet handed to ZeroMQ. */
  bytes = 0;

  constructor(
    private readonly socket: ZmqSocket,
    private readonly onError: (error: unknown, tag: unknown) => void,
    private readonly onDrain?: () => void,
  ) {}

  push(parts: (Uint8Array | string)[], bytes: number, tag?: unknown): void {
    if (this.busy) {
      this.queue.push({ parts, bytes, tag });
      this.bytes += bytes;
      this.backlogged = true;
      return;
    }
    this.start(parts, tag);
  }

  /** Resolves once everything pushed so far was handed to ZeroMQ (or failed). */
  flushed(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.emptied.push(resolve));
  }

  private start(parts: (Uint8Array | string)[], tag: unknown): void {
    this.busy = true;
    let sent: Promise<void>;
    try {
      sent = this.socket.send(parts);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(this.next, (error: unknown) => {
      this.onError(error, tag);
      this.next();
    });
  }

  private readonly next = (): void => {
    const item = this.queue.shift();
    if (item) {
      this.bytes -= item.bytes;
      this.start(item.parts, item.tag);
      return;
    }
    this.busy = false;
    for (const resolve of this.emptied.splice(0)) resolve();
    if (this.backlogged) {
      this.backlogged = false;
      this.onDrain?.();
    }
  };
}
