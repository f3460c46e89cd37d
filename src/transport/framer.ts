import { LimitError, ProtocolError } from '../errors.js';

/**
 * Length-prefixed framing, the same as Python's `multiprocessing.connection` so that one framer
 * serves the native and the Python protocol: a 4-byte big-endian signed length, then the body.
 * Bodies over 2 GiB - 1 use a length of -1 followed by an 8-byte big-endian length.
 */
const MAX_SHORT = 0x7fffffff;

/** The header for a body of `length` bytes. */
export function frameHeader(length: number): Buffer {
  if (length <= MAX_SHORT) {
    const header = Buffer.allocUnsafe(4);
    header.writeInt32BE(length, 0);
    return header;
  }
  const header = Buffer.allocUnsafe(12);
  header.writeInt32BE(-1, 0);
  header.writeBigUInt64BE(BigInt(length), 4);
  return header;
}

/**
 * Cuts a byte stream into frames. Feed it chunks in order; it calls `onFrame` for each whole
 * frame, with a view that is valid until `onFrame` returns. A header announcing more than
 * `maxFrameBytes`, or a negative length other than -1, throws (`LimitError`, `ProtocolError`)
 * before any of the body is buffered; the caller closes the connection.
 *
 * `pause` stops delivery at once, even in the middle of a chunk that holds many frames: the
 * rest stays buffered until `resume`, which delivers it on a later turn of the event loop (never
 * from inside the `resume` call, so an `onFrame` that resumes does not re-enter the parser).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes needed before parsing can go on: a header's worth, or the whole of a known frame. */
  private needed = 0;
  private paused = false;
  private resumeScheduled = false;
  /** The header bytes of the last frame refused for its length, for an error's hint. */
  lastHeader: Uint8Array | undefined;
  /** How errors name the limit. */
  limitName = 'limits.maxFrameBytes';

  constructor(
    /** Largest body accepted; changing it applies from the next header. */
    public maxFrameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
    /** Called with an error thrown while parsing buffered bytes after `resume`. */
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  /** Bytes held back: the start of a frame, or whole frames waiting for `resume`. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (this.buffered === 0 && !this.paused) {
      this.parse(chunk);
      return;
    }
    // A frame split over chunks: collect until it is whole, so a large frame is copied once.
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (!this.paused && this.buffered >= this.needed) this.parseBuffered();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    if (this.buffered === 0 || this.resumeScheduled) return;
    this.resumeScheduled = true;
    setImmediate(() => {
      this.resumeScheduled = false;
      if (this.paused || this.buffered < this.needed) return;
      try {
        this.parseBuffered();
      } catch (error) {
        this.onError(error as Error);
      }
    });
  }

  private parseBuffered(): void {
    const buf =
      this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    this.parse(buf);
  }

  private parse(buf: Buffer): void {
    let offset = 0;
    const end = buf.length;
    let needed = 4;
    while (end - offset >= 4 && !this.paused) {
      let length = buf.readInt32BE(offset);
      let headerSize = 4;
      if (length < 0) {
        if (length !== -1) throw new ProtocolError(`invalid frame length ${length}`);
        if (end - offset < 12) {
          needed = 12;
          break;
        }
        const long = buf.readBigUInt64BE(offset + 4);
        length = long > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(long);
        headerSize = 12;
      }
      if (length > this.maxFrameBytes) {
        this.lastHeader = buf.subarray(offset, offset + 4);
        throw new LimitError(
          `frame of ${length} bytes is over the limit of ${this.maxFrameBytes} bytes (${this.limitName})`,
        );
      }
      if (end - offset - headerSize < length) {
        needed = headerSize + length;
        break;
      }
      const start = offset + headerSize;
      offset = start + length;
      this.onFrame(buf.subarray(start, offset));
    }
    if (offset < end) {
      // Copy the tail so the caller's chunk (often a slab shared with other sockets) is freed.
      const tail = Buffer.from(buf.subarray(offset));
      this.chunks = [tail];
      this.buffered = tail.length;
      this.needed = needed;
    } else {
      this.needed = 0;
    }
  }
}
