/**
 * What the channels between threads and processes share: every message is one whole frame (no
 * framing), a close on purpose is announced with a goodbye, and a connection that ends without
 * one was cut, which the peer's watch explains. `PortChannel` (a `MessagePort`) and
 * `IpcChannel` (a child process's IPC channel) each add how a frame travels.
 */
import { LimitError, ProtocolError } from '../errors.js';
import { GONE_GRACE_MS, goneReason, type PeerWatch } from './peer-watch.js';
import type { Channel, ChannelReceiver } from './transport.js';

/**
 * A channel whose transport carries whole messages.
 *
 * - A frame over the limit closes the channel with `LimitError`, anything that is not bytes
 *   with `ProtocolError`: the peer is our own thread or child, but a bug there must not become a
 *   hang here.
 * - `close()` says goodbye, then releases the transport: what was sent before arrives first.
 *   `close(error)` releases it without a goodbye, so the peer sees a cut.
 * - A cut (the transport closed without a goodbye) ends the channel with an error saying why
 *   (what the peer's watch learns within `GONE_GRACE_MS`), which the session's
 *   `ConnectionClosedError` carries as its `cause` and in its message.
 *   When the watch says the peer is gone first, the channel waits as long for the transport's
 *   own end, so frames the peer sent before it ended are still delivered.
 */
export abstract class MessageFrames implements Channel {
  readonly done: Promise<Error | undefined>;
  private receiver: ChannelReceiver | undefined;
  /** Frames not delivered yet: before `attach`, and while paused. */
  private readonly queue: Uint8Array[] = [];
  private pauses = 0;
  private flushing = false;
  private maxFrame: number;
  private limitName = 'limits.maxFrameBytes';
  /** Set once nothing more is sent or taken; `ended` once the end is known, `reported` once told. */
  protected isClosed = false;
  private ended = false;
  private reported = false;
  private closeError: Error | undefined;
  private resolveDone!: (error: Error | undefined) => void;
  private lateTimer: ReturnType<typeof setTimeout> | undefined;

  protected constructor(
    readonly peer: string,
    maxFrameBytes: number,
    private readonly watch: PeerWatch | undefined,
  ) {
    this.maxFrame = maxFrameBytes;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    void watch?.gone.then((reason) => {
      if (this.isClosed) return;
      this.lateTimer = setTimeout(() => {
        if (this.isClosed) return;
        this.isClosed = true;
        this.end(reason);
      }, GONE_GRACE_MS);
      this.lateTimer.unref?.();
    });
  }

  abstract send(frame: Uint8Array): void;
  /** Tells the peer this end closes on purpose. */
  protected abstract sendGoodbye(): void;
  /** Lets go of the transport: listeners off, port closed. Called once. */
  protected abstract release(): void;

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
    this.scheduleFlush();
  }

  pause(): void {
    this.pauses++;
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) this.scheduleFlush();
  }

  close(error?: Error): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      if (!error) this.sendGoodbye();
      // Frames that came before the close are not handed over any more.
      this.queue.length = 0;
      this.end(error);
    }
    return this.done.then(() => {});
  }

  /** A frame arrived: `bytes` is what the transport gave, checked here. */
  protected receive(bytes: unknown): void {
    if (this.isClosed) return;
    if (!(bytes instanceof Uint8Array)) {
      void this.close(
        new ProtocolError(`${this.peer} sent a ${kindOf(bytes)} where a frame was expected`),
      );
      return;
    }
    if (bytes.byteLength > this.maxFrame) {
      void this.close(
        new LimitError(
          `frame of ${bytes.byteLength} bytes from ${this.peer} is over the limit of ${this.maxFrame} bytes (${this.limitName})`,
        ),
      );
      return;
    }
    this.queue.push(bytes);
    if (this.queue.length === 1) this.flush();
  }

  /** What was sent has drained (for transports that count `bufferedBytes`). */
  protected drained(): void {
    this.receiver?.drain?.();
  }

  /** The peer said goodbye: frames it sent before are delivered, then a clean close. */
  protected goodbye(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.end(undefined);
  }

  /** The transport ended without a goodbye: wait (briefly) for the watch to say why. */
  protected cut(fallback: () => Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    void goneReason(this.watch, fallback).then((reason) => this.end(reason));
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      this.flush();
    });
  }

  /** Hands queued frames to the receiver in order, unless paused; reports the end after them. */
  private flush(): void {
    const receiver = this.receiver;
    if (!receiver) return;
    while (this.queue.length > 0 && this.pauses === 0) receiver.frame(this.queue.shift()!);
    if (this.ended && this.queue.length === 0) this.report();
  }

  private end(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.closeError = error;
    clearTimeout(this.lateTimer);
    this.watch?.stop();
    this.release();
    // A paused receiver has stopped reading; what it has not taken is dropped with the channel.
    if (this.pauses > 0) this.queue.length = 0;
    if (this.receiver) this.flush();
    else this.resolveDone(error);
  }

  private report(): void {
    if (this.reported) return;
    this.reported = true;
    this.receiver?.closed(this.closeError);
    this.resolveDone(this.closeError);
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}
