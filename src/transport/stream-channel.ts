/**
 * A channel over a pair of byte streams, framed by `FrameDecoder`: a child's stdout and stdin
 * in its parent (`spawn` without IPC), `process.stdin` and `process.stdout` in the child. A
 * zero-length frame is the goodbye (no protocol sends an empty message), since the child cannot
 * close its standard output to say it is done.
 */
import type { Readable, Writable } from 'node:stream';
import { ProtocolError } from '../errors.js';
import { FrameDecoder, frameHeader } from './framer.js';
import { goneReason, type PeerWatch } from './peer-watch.js';
import type { Channel, ChannelReceiver } from './transport.js';

const GOODBYE = new Uint8Array(4);

export interface StreamChannelOptions {
  /** The peer, for messages: `child process 1234 (stdio)`. */
  readonly peer: string;
  readonly maxFrameBytes: number;
  /** Watches the process at the other end, to say why a cut connection ended. */
  readonly watch?: PeerWatch | undefined;
  /**
   * Whether closing ends the writable stream: yes for a child's stdin (the child sees its input
   * end), no for `process.stdout`, which a process cannot close.
   */
  readonly endWritable: boolean;
}

/**
 * A channel over `readable` and `writable`.
 *
 * - Frames sent in one turn of the event loop go out in one write (the writable is corked until
 *   the next tick). `bufferedBytes` is what the writable holds; `drain` is its `'drain'`.
 * - `close()` sends the goodbye, then (with `endWritable`) ends the writable; `close(error)`
 *   only stops. Either way reading stops and the readable stops keeping the process alive, so
 *   a child whose connection closed can exit.
 * - The readable ending without a goodbye is a cut: the channel ends with an error saying why
 *   (the child's exit code or signal, from `watch`). Ending
 *   mid-frame is a `ProtocolError`; so is any other byte that is not a frame: a child that
 *   prints to its standard output while serving over it breaks the framing (log to stderr).
 */
export class StreamChannel implements Channel {
  readonly peer: string;
  readonly done: Promise<Error | undefined>;
  private receiver: ChannelReceiver | undefined;
  private early: Uint8Array[] = [];
  private readonly decoder: FrameDecoder;
  private corked = false;
  private pauses = 0;
  private isClosed = false;
  private ended = false;
  private reported = false;
  private closeError: Error | undefined;
  private resolveDone!: (error: Error | undefined) => void;

  constructor(
    private readonly readable: Readable,
    private readonly writable: Writable,
    private readonly options: StreamChannelOptions,
  ) {
    this.peer = options.peer;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.decoder = new FrameDecoder(
      options.maxFrameBytes,
      (frame) => this.deliver(frame),
      (error) => void this.close(error),
    );
    readable.on('data', this.onData);
    readable.on('end', this.onEnd);
    readable.on('error', this.onError);
    writable.on('error', this.onError);
    writable.on('drain', this.onDrain);
  }

  get bufferedBytes(): number {
    return this.writable.writableLength;
  }

  setFrameLimit(bytes: number, name: string): void {
    this.decoder.maxFrameBytes = bytes;
    this.decoder.limitName = name;
  }

  attach(receiver: ChannelReceiver): void {
    if (this.receiver) throw new Error('farcall: a channel takes one receiver');
    this.receiver = receiver;
    queueMicrotask(() => {
      const early = this.early;
      this.early = [];
      for (const frame of early) receiver.frame(frame);
      if (this.ended) this.report();
    });
  }

  send(frame: Uint8Array): void {
    if (this.isClosed) return;
    if (!this.corked) {
      this.corked = true;
      this.writable.cork();
      process.nextTick(this.uncork);
    }
    this.writable.write(frameHeader(frame.length));
    this.writable.write(frame);
  }

  pause(): void {
    if (this.pauses++ === 0) {
      this.decoder.pause();
      this.readable.pause();
    }
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0 && !this.isClosed) {
      this.decoder.resume();
      this.readable.resume();
    }
  }

  close(error?: Error): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      if (!error) {
        this.writable.write(GOODBYE);
        if (this.options.endWritable) this.writable.end();
      }
      this.early = [];
      this.end(error);
    }
    return this.done.then(() => {});
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.writable.uncork();
  };

  private deliver(frame: Uint8Array): void {
    if (this.isClosed) return;
    if (frame.length === 0) {
      // The goodbye: the peer closes on purpose.
      this.isClosed = true;
      if (this.options.endWritable) this.writable.end();
      this.end(undefined);
      return;
    }
    if (this.receiver && this.early.length === 0) this.receiver.frame(frame);
    else this.early.push(frame);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.isClosed) return;
    try {
      this.decoder.push(chunk);
    } catch (error) {
      void this.close(error as Error);
    }
  };

  private readonly onEnd = (): void => {
    if (this.isClosed) return;
    const partial = this.decoder.bufferedBytes;
    if (partial > 0) {
      void this.close(
        new ProtocolError(
          `${this.peer} stopped in the middle of a frame (${partial} bytes buffered)`,
        ),
      );
      return;
    }
    this.cutOff();
  };

  private readonly onError = (error: Error): void => {
    // A write to a child that is gone (EPIPE), or a read that failed: the connection is cut.
    this.closeError ??= error;
    this.cutOff();
  };

  private readonly onDrain = (): void => {
    this.receiver?.drain?.();
  };

  private cutOff(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    void goneReason(
      this.options.watch,
      () =>
        new Error(`${this.peer} closed its output without a goodbye`, {
          cause: this.closeError,
        }),
    ).then((reason) => this.end(reason));
  }

  private end(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.closeError = error;
    this.options.watch?.stop();
    this.decoder.pause();
    const { readable } = this;
    readable.off('data', this.onData);
    readable.off('end', this.onEnd);
    readable.pause();
    // An unread standard input would keep the process alive for ever.
    (readable as { unref?: () => void }).unref?.();
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
