import type { Socket } from 'node:net';
import { ProtocolError } from '../errors.js';
import { FrameDecoder, frameHeader } from './framer.js';
import type { Transport } from './transport.js';

/** Frames smaller than this are copied into one buffer per flush; larger ones are written as is. */
const COALESCE_BYTES = 64 * 1024;
/**
 * A turn's first batch leaves once it holds this many bytes, the next at twice that, and so on up
 * to COALESCE_BYTES: the peer gets work early (both ends busy at once when many calls are in
 * flight), while a long burst still goes out in large writes. docs/benchmarks.md has figures.
 */
const FIRST_FLUSH_BYTES = 2 * 1024;

export interface SocketTransportOptions {
  maxFrameBytes: number;
  /** Answers queued in the socket past this stop reading from it until it drains. */
  maxPendingWriteBytes: number;
}

/**
 * A transport over a connected byte-stream socket (TCP, TLS, Unix), framed by `FrameDecoder`.
 *
 * Writes made in the same turn of the event loop are coalesced into a few socket writes of
 * growing size (FIRST_FLUSH_BYTES, then doubling): under load, hundreds of answers leave in a
 * handful of syscalls. A frame over the size limit, or an invalid
 * header, closes the connection with the error. When the peer stops reading and more than
 * `maxPendingWriteBytes` wait in the socket, the transport stops reading the peer's frames until
 * the socket drains, so a client that never reads cannot grow the server's memory.
 */
export class SocketTransport implements Transport {
  onFrame: (frame: Uint8Array) => void = () => {};
  onClose: (error?: Error) => void = () => {};
  readonly peer: string;

  private readonly decoder: FrameDecoder;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  private flushAt = FIRST_FLUSH_BYTES;
  private pauses = 0;
  private writeBlocked = false;
  private closedFlag = false;
  private closeError: Error | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: SocketTransportOptions,
  ) {
    this.peer = describePeer(socket);
    this.decoder = new FrameDecoder(
      options.maxFrameBytes,
      (frame) => this.onFrame(frame),
      (error) => this.close(error),
    );
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.closedFlag) return;
      try {
        this.decoder.push(chunk);
      } catch (error) {
        this.close(error as Error);
      }
    });
    socket.on('drain', () => {
      if (this.writeBlocked && socket.writableLength <= this.options.maxPendingWriteBytes / 2) {
        this.writeBlocked = false;
        this.resume();
      }
    });
    socket.on('error', (error) => {
      this.closeError ??= error;
    });
    socket.on('close', () => {
      const partial = this.decoder.bufferedBytes;
      if (partial > 0 && !this.closedFlag) {
        // The peer hung up mid-frame: a truncated message, worth a line in the log.
        this.closeError ??= new ProtocolError(
          `connection closed in the middle of a frame (${partial} bytes buffered)`,
        );
      }
      this.finish();
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  send(frame: Uint8Array): void {
    if (this.closedFlag) return;
    if (frame.length >= COALESCE_BYTES) {
      this.flush();
      this.socket.write(frameHeader(frame.length));
      this.write(frame);
      return;
    }
    // Below COALESCE_BYTES the header is the 4-byte form; `flush` writes it.
    this.batch.push(frame);
    this.batchBytes += 4 + frame.length;
    if (this.batchBytes >= this.flushAt) {
      this.flush();
      this.flushAt = Math.min(this.flushAt * 2, COALESCE_BYTES);
    }
    if (!this.flushScheduled) {
      // Sends the rest at the end of the turn, and starts the next turn at FIRST_FLUSH_BYTES.
      this.flushScheduled = true;
      setImmediate(this.flushLater);
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
    if (this.batch.length === 0 || this.closedFlag) return;
    const data = Buffer.allocUnsafe(this.batchBytes);
    let offset = 0;
    for (const frame of this.batch) {
      data.writeInt32BE(frame.length, offset);
      data.set(frame, offset + 4);
      offset += 4 + frame.length;
    }
    this.batch = [];
    this.batchBytes = 0;
    this.write(data);
  }

  private write(data: Uint8Array): void {
    this.socket.write(data);
    if (!this.writeBlocked && this.socket.writableLength > this.options.maxPendingWriteBytes) {
      this.writeBlocked = true;
      this.pause();
    }
  }

  /** Stops reading the peer: the socket stops, and so does delivery of frames already read. */
  pause(): void {
    if (this.pauses++ === 0) {
      this.socket.pause();
      this.decoder.pause();
    }
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0 && !this.closedFlag) {
      this.decoder.resume();
      this.socket.resume();
    }
  }

  close(error?: Error): void {
    if (this.closedFlag) return;
    this.closeError ??= error;
    this.flush();
    if (error) {
      this.socket.destroy();
    } else {
      // Let queued answers go out, then close; force it if the peer does not read them.
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    }
    this.finish();
  }

  private finish(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.batch = [];
    this.onClose(this.closeError);
  }
}

function describePeer(socket: Socket): string {
  if (socket.remoteAddress) return `${socket.remoteAddress}:${socket.remotePort}`;
  return 'unix socket';
}
