/**
 * One client of a ROUTER socket, as a channel: the ROUTER (`zmq-router.ts`) hands it the frames
 * that came behind this client's routing parts, and sends its frames back behind them.
 */
import { ConnectionClosedError, LimitError } from '../errors.js';
import type { Channel, ChannelReceiver } from './transport.js';
import type { Parts } from './zmq-socket.js';

/** What a peer channel needs of its ROUTER. */
export interface PeerHost {
  /** Sends `['', frame]` behind the peer's routing parts. */
  sendFrame(peer: ZmqPeerChannel, frame: Uint8Array): void;
  /** The peer's channel ended: forget it, and tell the client `reason` unless it is undefined. */
  forget(peer: ZmqPeerChannel, reason: string | undefined): void;
}

/**
 * A connection as ZeroMQ gives it: there is no per-peer socket to close, so it ends when its
 * session closes it (a close then goes to the client, with the reason), when the client says
 * goodbye, or when ZeroMQ says the client is gone (a send to it fails).
 *
 * Frames are checked against the frame limit when they arrive (ZeroMQ's `maxMessageSize`
 * already bounds them by `limits.maxFrameBytes`); a paused channel holds its frames here, as
 * ZeroMQ cannot stop reading one client of a ROUTER.
 */
export class ZmqPeerChannel implements Channel {
  readonly done: Promise<Error | undefined>;
  private receiver: ChannelReceiver | undefined;
  private early: Uint8Array[] = [];
  private held: Uint8Array[] = [];
  private pauses = 0;
  private isClosed = false;
  private closeError: Error | undefined;
  private reported = false;
  private resolveDone!: (error: Error | undefined) => void;
  private maxFrame: number;
  private limitName = 'limits.maxFrameBytes';

  constructor(
    private readonly host: PeerHost,
    readonly routing: Parts,
    readonly key: string,
    readonly peer: string,
    maxFrameBytes: number,
  ) {
    this.maxFrame = maxFrameBytes;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Frames leave at once: ZeroMQ queues them (up to its high-water mark, then the peer is closed). */
  get bufferedBytes(): number {
    return 0;
  }

  setFrameLimit(bytes: number, name: string): void {
    this.maxFrame = bytes;
    this.limitName = name;
  }

  attach(receiver: ChannelReceiver): void {
    if (this.receiver) throw new Error('farcall: a channel takes one receiver');
    this.receiver = receiver;
    queueMicrotask(() => {
      const early = this.early;
      this.early = [];
      for (const frame of early) this.deliver(frame);
      if (this.isClosed) this.report();
    });
  }

  /** A frame from the client (the ROUTER calls this). */
  receive(frame: Uint8Array): void {
    if (this.isClosed) return;
    if (frame.length > this.maxFrame) {
      void this.close(
        new LimitError(
          `frame of ${frame.length} bytes is over the limit of ${this.maxFrame} bytes (${this.limitName})`,
        ),
      );
      return;
    }
    if (!this.receiver || this.early.length > 0) this.early.push(frame);
    else this.deliver(frame);
  }

  private deliver(frame: Uint8Array): void {
    if (this.isClosed) return;
    if (this.pauses > 0) this.held.push(frame);
    else this.receiver!.frame(frame);
  }

  send(frame: Uint8Array): void {
    if (!this.isClosed) this.host.sendFrame(this, frame);
  }

  pause(): void {
    this.pauses++;
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) {
      const held = this.held;
      this.held = [];
      queueMicrotask(() => {
        for (const frame of held) this.deliver(frame);
      });
    }
  }

  /** Ends the connection from this side; the client hears why (or "closed by the server"). */
  close(error?: Error): Promise<void> {
    this.end(error, error ? error.message : 'closed by the server');
    return this.done.then(() => {});
  }

  /** The client said goodbye: a clean close, with nothing to tell it. */
  goodbye(): void {
    this.end(undefined, undefined);
  }

  /** ZeroMQ cannot deliver to the client any more (it is gone, or does not read). */
  unreachable(why: string): void {
    this.end(new ConnectionClosedError(`${this.peer} ${why}`), undefined);
  }

  private end(error: Error | undefined, tell: string | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = error;
    this.held = [];
    this.host.forget(this, tell);
    if (this.receiver && this.early.length === 0) this.report();
    else if (!this.receiver) this.resolveDone(error);
  }

  private report(): void {
    if (this.reported) return;
    this.reported = true;
    this.receiver?.closed(this.closeError);
    this.resolveDone(this.closeError);
  }
}
