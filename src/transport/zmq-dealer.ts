/**
 * The client end of `zmq+tcp://`: a DEALER socket connected to one server (or device). As a
 * channel it carries one connection's frames, many calls in flight; `zmq-exchange.ts` uses the
 * same socket for requests that each stand alone.
 */
import { ConnectionClosedError, LimitError, ProtocolError } from '../errors.js';
import type { Channel, ChannelReceiver, DialOptions } from './transport.js';
import { Outbox } from './zmq-outbox.js';
import type { Parts, ZmqModule, ZmqSocket } from './zmq-socket.js';
import { CLOSE, DELIMITER, sameBytes, type ZmqAddress } from './zmq-wire.js';

/** Time queued frames (and the goodbye) get to leave after a clean close, in ms. */
const CLOSE_GRACE_MS = 500;

/**
 * A DEALER connected to `address`, once ZeroMQ's handshake with the peer is done. Rejects with
 * `ConnectionClosedError` when the first attempt to connect fails (nothing listens there: as
 * with TCP, farcall does not wait for a server to appear), with the signal's reason on abort.
 */
export function openDealer(
  zmq: ZmqModule,
  address: ZmqAddress,
  url: string,
  options: DialOptions,
): Promise<ZmqSocket> {
  const socket = new zmq.Dealer({
    linger: 0,
    // Frames wait only for a peer that is there: none are kept for a connection to come.
    immediate: true,
    maxMessageSize: options.maxFrameBytes + 64,
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      socket.close();
      reject(error);
    };
    const onAbort = () => fail(options.signal.reason);
    if (options.signal.aborted) {
      onAbort();
      return;
    }
    options.signal.addEventListener('abort', onAbort, { once: true });
    socket.events.on('handshake', () => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    socket.events.on('connect:retry', () =>
      fail(new ConnectionClosedError(`cannot connect to ${url}: nothing accepted the connection`)),
    );
    try {
      socket.connect(address.endpoint);
    } catch (error) {
      fail(new ConnectionClosedError(`cannot connect to ${url}`, { cause: error }));
    }
  });
}

/**
 * One connection over a DEALER: a frame is `['', frame]` each way (zmq-wire.ts).
 *
 * - It ends when ZeroMQ loses the TCP connection (the server stopped or restarted: the
 *   server's session is gone with it, so the channel fails rather than reconnect into a session
 *   that does not exist), and when the server sends a close (it closed the connection, or does
 *   not know it). Either way `closed` gets a `ConnectionClosedError` saying so.
 * - A message that is not farcall's shape, or a frame over the limit, closes it with
 *   `ProtocolError` or `LimitError`.
 * - A clean `close()` sends the goodbye (with `goodbye`), so the server forgets the connection
 *   at once. Not to a REP socket: libzmq's REP can lose the next client's request to a message
 *   without a delimiter, so Python-protocol connections end at the server's idle timeout.
 */
export class ZmqDealerChannel implements Channel {
  readonly done: Promise<Error | undefined>;
  private receiver: ChannelReceiver | undefined;
  private early: Uint8Array[] = [];
  private isClosed = false;
  private closeError: Error | undefined;
  private reported = false;
  private resolveDone!: (error: Error | undefined) => void;
  private maxFrame: number;
  private limitName = 'limits.maxFrameBytes';
  private pauses = 0;
  private wake: (() => void) | undefined;
  private readonly outbox: Outbox;

  constructor(
    private readonly socket: ZmqSocket,
    readonly peer: string,
    maxFrameBytes: number,
    /** Whether a clean close sends the goodbye (to farcall servers only). */
    private readonly goodbye = true,
  ) {
    this.maxFrame = maxFrameBytes;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.outbox = new Outbox(
      socket,
      (error) => {
        if (!this.isClosed) {
          void this.close(new ConnectionClosedError(`sending to ${peer} failed`, { cause: error }));
        }
      },
      () => this.receiver?.drain?.(),
    );
    socket.events.on('disconnect', () => {
      // A turn later, so that a close the server sent just before (with its reason) is read
      // first where it has arrived; either way the channel ends with ConnectionClosedError.
      setImmediate(() => {
        if (!this.isClosed) {
          this.closeWith(new ConnectionClosedError(`the connection to ${peer} was lost`));
        }
      });
    });
    void this.read();
  }

  get bufferedBytes(): number {
    return this.outbox.bytes;
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
      for (const frame of early) if (!this.reported) receiver.frame(frame);
      if (this.isClosed) this.report();
    });
  }

  send(frame: Uint8Array): void {
    if (this.isClosed) return;
    this.outbox.push([DELIMITER, frame], frame.length);
  }

  pause(): void {
    this.pauses++;
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    }
  }

  /** Reads messages while not paused; a paused channel leaves them in ZeroMQ, which then stops reading TCP. */
  private async read(): Promise<void> {
    while (!this.isClosed) {
      if (this.pauses > 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      let parts: Parts;
      try {
        parts = await this.socket.receive();
      } catch (error) {
        if (!this.isClosed)
          this.closeWith(
            new ConnectionClosedError(`receiving from ${this.peer} failed`, { cause: error }),
          );
        return;
      }
      this.message(parts);
    }
  }

  private message(parts: Parts): void {
    if (this.isClosed) return;
    if (sameBytes(parts[0], CLOSE)) {
      const reason = parts[1]?.subarray(0, 300).toString('utf8') || 'closed';
      this.closeWith(new ConnectionClosedError(`${this.peer} ended the connection: ${reason}`));
      return;
    }
    if (parts.length !== 2 || parts[0]!.length !== 0) {
      void this.close(
        new ProtocolError(
          `${this.peer} sent a ZeroMQ message of ${parts.length} part(s) that is not a farcall frame (expected an empty delimiter and one part)`,
        ),
      );
      return;
    }
    const frame = parts[1]!;
    if (frame.length > this.maxFrame) {
      void this.close(
        new LimitError(
          `frame of ${frame.length} bytes is over the limit of ${this.maxFrame} bytes (${this.limitName})`,
        ),
      );
      return;
    }
    if (!this.receiver || this.early.length > 0) this.early.push(frame);
    else this.receiver.frame(frame);
  }

  close(error?: Error): Promise<void> {
    if (!this.isClosed) {
      if (error === undefined) {
        // The goodbye goes after the frames already queued; then the socket closes.
        if (this.goodbye) this.outbox.push([CLOSE], 0);
        this.closeWith(undefined);
      } else {
        this.closeWith(error);
      }
    }
    return this.done.then(() => {});
  }

  /** Ends the channel now; the socket closes once queued frames left (or at once on an error). */
  private closeWith(error: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = error;
    this.wake?.();
    const socket = this.socket;
    if (error === undefined) {
      const grace = new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
      void Promise.race([this.outbox.flushed(), grace]).then(() => {
        socket.linger = CLOSE_GRACE_MS;
        socket.close();
      });
    } else {
      socket.close();
    }
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
