import { LimitError, ProtocolError } from '../errors.js';

/**
 * Length-prefixed framing, the same as Python's `multiprocessing.connection` so that one framer
 * serves the native and the Python protocol: a 4-byte big-endian signed length, then the body.
 * Bodies over 2 GiB - 1 use a length of -1 followed by an 8-byte big-endian length.
 */
const MAX_SHORT = 0x7fffffff;
const LONG_HEADER = 12;
/**
 * A frame split over chunks whose body is at most this long gets its buffer when its first body
 * bytes arrive; a longer one is kept as views of its chunks and joined once it is whole, so a
 * header announcing 16 MiB reserves nothing before the bytes are there.
 */
const EAGER_BYTES = 64 * 1024;

/** The header for a body of `length` bytes. */
export function frameHeader(length: number): Buffer {
  if (length <= MAX_SHORT) {
    const header = Buffer.allocUnsafe(4);
    header.writeInt32BE(length, 0);
    return header;
  }
  const header = Buffer.allocUnsafe(LONG_HEADER);
  header.writeInt32BE(-1, 0);
  header.writeBigUInt64BE(BigInt(length), 4);
  return header;
}

/**
 * Cuts a byte stream into frames. Feed it chunks in order; it calls `onFrame` for each whole
 * frame. Each byte is copied at most once on its way to a frame: a frame that lies wholly inside
 * one chunk is delivered as a view of that chunk, and one split over chunks is assembled once
 * into a buffer of its exact size (`copiedBytes` counts those copies). The decoder keeps views of
 * the chunks it is given, so a caller must not reuse a chunk's memory after `push` (Node's
 * socket chunks are never reused); a frame stays valid after `onFrame` returns. Frames are plain
 * `Uint8Array` views, never `Buffer`s: one object per frame where `subarray` made a `Buffer` and
 * the decoder then a plain view of it (both showed in a pipelined profile), and every decoder
 * sees one kind of array.
 *
 * A header announcing more than `maxFrameBytes`, or a negative length other than -1, throws
 * (`LimitError`, `ProtocolError`) as soon as the header is read, before any of the body is
 * buffered; the caller closes the connection. `maxFrameBytes` can be changed at any time and
 * applies from the next header (a server reads the opening under a small limit, then raises it).
 *
 * `pause` stops delivery at once, even in the middle of a chunk that holds many frames: the
 * rest stays queued, unparsed, until `resume`, which delivers it on a later turn of the event
 * loop (never from inside the `resume` call, so an `onFrame` that resumes does not re-enter the
 * parser). An error found while parsing after `resume` goes to `onError`.
 */
export class FrameDecoder {
  /** Chunks (or the rest of one) not parsed yet because delivery is paused. */
  private queue: Buffer[] = [];
  private queued = 0;
  /** The bytes of a header split over chunks. */
  private readonly header = Buffer.allocUnsafe(LONG_HEADER);
  private headerHave = 0;
  /** Length of the frame being assembled, or -1 between frames. */
  private bodyLength = -1;
  /** A short frame's buffer, filled as its bytes arrive. */
  private body: Buffer | undefined;
  /** A long frame's bytes so far, views of the chunks that brought them. */
  private parts: Buffer[] = [];
  private bodyHave = 0;
  private limit: number;
  private copied = 0;
  private paused = false;
  private resumeScheduled = false;
  /** The first 4 bytes of the last header refused for its length, for an error's hint. */
  lastHeader: Uint8Array | undefined;
  /** How errors name the limit (`limits.maxHandshakeBytes` during the opening). */
  limitName = 'limits.maxFrameBytes';

  constructor(
    maxFrameBytes: number,
    private readonly onFrame: (frame: Uint8Array) => void,
    /** Called with an error thrown while parsing queued bytes after `resume`. */
    private readonly onError: (error: Error) => void = () => {},
  ) {
    this.limit = checkLimit(maxFrameBytes);
  }

  /** Largest frame body accepted; a change applies from the next header read. */
  get maxFrameBytes(): number {
    return this.limit;
  }

  set maxFrameBytes(value: number) {
    this.limit = checkLimit(value);
  }

  /** Bytes held back: the start of a frame, or chunks waiting for `resume`. */
  get bufferedBytes(): number {
    return this.headerHave + this.bodyHave + this.queued;
  }

  /** Bytes copied so far while assembling frames (and headers) split over chunks. */
  get copiedBytes(): number {
    return this.copied;
  }

  push(chunk: Buffer): void {
    if (this.paused || this.queued > 0) {
      this.enqueue(chunk);
      return;
    }
    this.parse(chunk);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    if (this.queued === 0 || this.resumeScheduled) return;
    this.resumeScheduled = true;
    setImmediate(() => {
      this.resumeScheduled = false;
      try {
        this.drain();
      } catch (error) {
        this.onError(error as Error);
      }
    });
  }

  private enqueue(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.paused) {
      const chunk = this.queue.shift()!;
      this.queued -= chunk.length;
      this.parse(chunk);
    }
  }

  /** Parses `chunk` until it is used up or delivery pauses; the rest is queued, not copied. */
  private parse(chunk: Buffer): void {
    let offset = 0;
    const end = chunk.length;
    while (offset < end && !this.paused) {
      if (this.bodyLength >= 0) {
        offset = this.continueBody(chunk, offset);
        continue;
      }
      if (this.headerHave > 0) {
        offset = this.continueHeader(chunk, offset);
        continue;
      }
      // Between frames, at the start of a header: the fast path, whole frames as views.
      const available = end - offset;
      let length = available >= 4 ? chunk.readInt32BE(offset) : -1;
      const headerSize = length === -1 ? LONG_HEADER : 4;
      if (available < headerSize) {
        this.saveHeader(chunk, offset, end);
        return;
      }
      if (length < 0 || length > this.limit) length = this.readLength(chunk, offset, headerSize);
      const start = offset + headerSize;
      if (end - start >= length) {
        offset = start + length;
        this.onFrame(new Uint8Array(chunk.buffer, chunk.byteOffset + start, length));
      } else {
        this.bodyLength = length;
        offset = start;
      }
    }
    if (offset < end) {
      // Paused: the rest waits as a view, in front of the chunks queued after it.
      this.queue.unshift(chunk.subarray(offset));
      this.queued += end - offset;
    }
  }

  /** Copies the start of a header that the chunk cuts short. */
  private saveHeader(chunk: Buffer, from: number, to: number): void {
    chunk.copy(this.header, this.headerHave, from, to);
    this.headerHave += to - from;
    this.copied += to - from;
  }

  /** Adds bytes to a split header; once it is whole, starts its frame. Returns the new offset. */
  private continueHeader(chunk: Buffer, offset: number): number {
    let size = this.splitHeaderSize();
    while (this.headerHave < size && offset < chunk.length) {
      const take = Math.min(size - this.headerHave, chunk.length - offset);
      this.saveHeader(chunk, offset, offset + take);
      offset += take;
      size = this.splitHeaderSize();
    }
    if (this.headerHave < size) return offset;
    const length = this.readLength(this.header, 0, size);
    this.headerHave = 0;
    this.bodyLength = length;
    if (length === 0) this.finishBody(Buffer.alloc(0));
    return offset;
  }

  /** The size of the split header: the long form once its first 4 bytes say -1. */
  private splitHeaderSize(): number {
    return this.headerHave >= 4 && this.header.readInt32BE(0) === -1 ? LONG_HEADER : 4;
  }

  /**
   * Adds bytes to the frame being assembled, delivering it when whole. Its body bytes not yet
   * seen may all be in this chunk: then, if none came before, the frame is a view.
   */
  private continueBody(chunk: Buffer, offset: number): number {
    const missing = this.bodyLength - this.bodyHave;
    const take = Math.min(missing, chunk.length - offset);
    const piece = chunk.subarray(offset, offset + take);
    if (this.bodyHave === 0 && take === missing) {
      this.finishBody(piece);
      return offset + take;
    }
    if (this.bodyHave === 0 && this.bodyLength <= EAGER_BYTES) {
      this.body = Buffer.allocUnsafe(this.bodyLength);
    }
    if (this.body) {
      piece.copy(this.body, this.bodyHave);
      this.copied += take;
    } else {
      this.parts.push(piece);
    }
    this.bodyHave += take;
    if (this.bodyHave === this.bodyLength) {
      let frame = this.body;
      if (!frame) {
        // `copy` per part: faster than `Buffer.concat` for large frames (bench/framer.js).
        frame = Buffer.allocUnsafe(this.bodyLength);
        let at = 0;
        for (const part of this.parts) at += part.copy(frame, at);
        this.copied += this.bodyLength;
      }
      this.finishBody(frame);
    }
    return offset + take;
  }

  private finishBody(frame: Buffer): void {
    this.bodyLength = -1;
    this.bodyHave = 0;
    this.body = undefined;
    this.parts = [];
    this.onFrame(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
  }

  /** The body length in a whole header at `offset`; throws if the peer may not send it. */
  private readLength(buf: Buffer, offset: number, headerSize: number): number {
    let length = buf.readInt32BE(offset);
    if (length < 0) {
      if (length !== -1) throw new ProtocolError(`invalid frame length ${length}`);
      if (headerSize < LONG_HEADER) return -1;
      const long = buf.readBigUInt64BE(offset + 4);
      length = long > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(long);
    }
    if (length > this.limit || !Number.isSafeInteger(length)) {
      this.lastHeader = Uint8Array.from(buf.subarray(offset, offset + 4));
      throw new LimitError(
        `frame of ${length} bytes is over the limit of ${this.limit} bytes (${this.limitName})`,
      );
    }
    return length;
  }
}

function checkLimit(value: number): number {
  if (!(value >= 0)) throw new RangeError(`farcall: maxFrameBytes must be >= 0, got ${value}`);
  return value;
}
