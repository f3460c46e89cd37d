import type { Socket } from 'node:net';
import { LimitError, ProtocolError } from '../errors.js';
import type { PeerCertificate } from '../identity.js';
import { FrameDecoder, frameHeader } from './framer.js';
import { peerCertificate } from './peer-certificate.js';
import type { Channel, ChannelReceiver } from './transport.js';

/** Frames smaller than this are copied into one buffer per flush; larger ones are written as is. */
const COALESCE_BYTES = 64 * 1024;
/**
 * A turn's first batch leaves once it holds this many bytes, the next at twice that, and so on up
 * to COALESCE_BYTES: the peer gets work early (both ends busy at once when many calls are in
 * flight), while a long burst still goes out in large writes. docs/benchmarks.md has figures.
 */
const FIRST_FLUSH_BYTES = 2 * 1024;
/** After a graceful close, how long the peer has to take what was queued before the socket goes. */
const CLOSE_GRACE_MS = 2000;

/**
 * A channel over a connected byte-stream socket (TCP, TLS, Unix), framed by `FrameDecoder`.
 *
 * Writes made in the same turn of the event loop are coalesced into a few socket writes of
 * growing size (FIRST_FLUSH_BYTES, then doubling): under load, hundreds of answers leave in a
 * handful of syscalls. A frame over `maxFrameBytes`, or an invalid header, closes the channel
 * with the error. The socket must be half-open capable (`allowHalfOpen`): a peer that shuts its
 * sending side still gets what is sent to it, and the receiver hears `ended`.
 */
export class SocketChannel implements Channel {
  readonly peer: string;
  readonly done: Promise<Error | undefined>;

  private receiver: ChannelReceiver | undefined;
  /** Frames and end/close events that came before `attach`. */
  private early: (Uint8Array | 'end')[] = [];
  private readonly decoder: FrameDecoder;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  private flushAt = FIRST_FLUSH_BYTES;
  private pauses = 0;
  private isClosed = false;
  private closeError: Error | undefined;
  private resolveDone!: (error: Error | undefined) => void;
  private closeReported = false;

  /** A TLS socket's verified client certificate; read when asked (interceptors, contexts). */
  get certificate(): PeerCertificate | undefined {
    return peerCertificate(this.socket);
  }

  constructor(
    private readonly socket: Socket,
    maxFrameBytes: number,
  ) {
    this.peer = describePeer(socket);
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.decoder = new FrameDecoder(
      maxFrameBytes,
      (frame) => this.deliver(frame),
      (error) => void this.close(hinted(error, this.decoder.lastHeader)),
    );
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.isClosed) return;
      try {
        this.decoder.push(chunk);
      } catch (error) {
        void this.close(hinted(error as Error, this.decoder.lastHeader));
      }
    });
    socket.on('drain', () => this.receiver?.drain?.());
    socket.on('end', () => {
      if (this.isClosed) return;
      const partial = this.decoder.bufferedBytes;
      if (partial > 0) {
        // The peer stopped sending mid-frame: a truncated message, worth a line in the log.
        void this.close(
          new ProtocolError(
            `connection closed in the middle of a frame (${partial} bytes buffered)`,
          ),
        );
        return;
      }
      if (this.receiver) this.receiver.ended?.();
      else this.early.push('end');
    });
    socket.on('error', (error) => {
      this.closeError ??= error;
    });
    socket.on('close', () => {
      const partial = this.decoder.bufferedBytes;
      if (partial > 0 && !this.isClosed) {
        // The peer hung up mid-frame: a truncated message, worth a line in the log.
        this.closeError ??= new ProtocolError(
          `connection closed in the middle of a frame (${partial} bytes buffered)`,
        );
      }
      this.finish();
    });
  }

  setFrameLimit(bytes: number, name: string): void {
    this.decoder.maxFrameBytes = bytes;
    this.decoder.limitName = name;
  }

  get bufferedBytes(): number {
    return this.batchBytes + this.socket.writableLength;
  }

  attach(receiver: ChannelReceiver): void {
    if (this.receiver) throw new Error('farcall: a channel takes one receiver');
    this.receiver = receiver;
    if (this.early.length === 0 && !this.isClosed) return;
    queueMicrotask(() => {
      const early = this.early;
      this.early = [];
      for (const item of early) {
        if (item === 'end') receiver.ended?.();
        else receiver.frame(item);
      }
      if (this.isClosed) this.report();
    });
  }

  private deliver(frame: Uint8Array): void {
    if (this.receiver && this.early.length === 0) this.receiver.frame(frame);
    else this.early.push(frame.slice());
  }

  send(frame: Uint8Array): void {
    if (this.isClosed) return;
    if (frame.length >= COALESCE_BYTES) {
      this.flush();
      this.socket.write(frameHeader(frame.length));
      this.socket.write(frame);
      return;
    }
    if (!this.flushScheduled) {
      // The first frame of a turn goes out at once (a lone call waits on no timer); the rest of
      // the turn's frames gather and leave together when it ends.
      this.flushScheduled = true;
      setImmediate(this.flushLater);
      const data = Buffer.allocUnsafe(4 + frame.length);
      data.writeInt32BE(frame.length, 0);
      data.set(frame, 4);
      this.socket.write(data);
      return;
    }
    // Below COALESCE_BYTES the header is the 4-byte form; `flush` writes it.
    this.batch.push(frame);
    this.batchBytes += 4 + frame.length;
    if (this.batchBytes >= this.flushAt) {
      this.flush();
      this.flushAt = Math.min(this.flushAt * 2, COALESCE_BYTES);
    }
  }

  private readonly flushLater = (): void => {
    this.flushScheduled = false;
    this.flushAt = FIRST_FLUSH_BYTES;
    this.flush();
  };

  /**
   * Writes the batch as one buffer of headers and bodies, allocated once: cheaper than a header
   * buffer per frame plus a `Buffer.concat` (docs/benchmarks.md has the figures).
   */
  private flush(): void {
    if (this.batch.length === 0 || this.isClosed) return;
    const data = Buffer.allocUnsafe(this.batchBytes);
    let offset = 0;
    for (const frame of this.batch) {
      data.writeInt32BE(frame.length, offset);
      data.set(frame, offset + 4);
      offset += 4 + frame.length;
    }
    this.batch = [];
    this.batchBytes = 0;
    this.socket.write(data);
  }

  /** Stops reading the peer: the socket stops, and so does delivery of frames already read. */
  pause(): void {
    if (this.pauses++ === 0) {
      this.socket.pause();
      this.decoder.pause();
    }
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0 && !this.isClosed) {
      this.decoder.resume();
      this.socket.resume();
    }
  }

  close(error?: Error): Promise<void> {
    if (!this.isClosed) {
      this.closeError ??= error;
      this.flush();
      if (error) {
        this.socket.destroy();
      } else {
        // Let queued frames go out, then close for good: a peer that still sends gets a reset,
        // and one that does not take what was queued is cut off after a grace period.
        this.socket.end(() => this.socket.destroy());
        const timer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
        timer.unref();
        this.socket.once('close', () => clearTimeout(timer));
      }
      this.finish();
    }
    return this.done.then(() => {});
  }

  /** The channel is closed for sending and receiving; the socket may still be flushing. */
  private finish(): void {
    if (this.isClosed) {
      return;
    }
    this.isClosed = true;
    this.batch = [];
    this.decoder.pause();
    if (this.receiver && this.early.length === 0) this.report();
    // Otherwise `attach` reports it after the early frames.
    if (!this.receiver) this.resolveDone(this.closeError);
  }

  private report(): void {
    if (this.closeReported) return;
    this.closeReported = true;
    this.receiver?.closed(this.closeError);
    this.resolveDone(this.closeError);
  }
}

/**
 * A header that fails the limit but reads as text is another protocol speaking: say so.
 * ("HTTP" read as a length is 1.2 GB.)
 */
function hinted(error: Error, header: Uint8Array | undefined): Error {
  if (!(error instanceof LimitError) || !header) return error;
  const text = String.fromCharCode(...header);
  if (!/^[\x20-\x7e]{4}$/.test(text)) return error;
  const guess = text.startsWith('HTTP') ? ': an HTTP server? use an http:// URL' : '';
  return new LimitError(`${error.message}; the peer sent text ("${text}…"), not a frame${guess}`);
}

function describePeer(socket: Socket): string {
  if (socket.remoteAddress) return `${socket.remoteAddress}:${socket.remotePort}`;
  return 'unix socket';
}
