/**
 * The consuming end of a stream: what the receiver of a stream reference iterates. Items come
 * by credit: nothing flows until the first `next()` (a stream nobody reads costs its producer
 * nothing but a suspended generator), then the consumer grants a window of items and bytes and
 * gives credit back as items are read, so at most one window is ever on its way or buffered
 * here, whatever the rates.
 */
import { LimitError, ProtocolError } from '../errors.js';
import type { Limits } from '../limits.js';
import type { ObjectMessage } from '../protocol/protocol.js';

/** What an incoming stream needs from the connection's reference table. */
export interface StreamSink {
  readonly peer: string;
  readonly limits: Limits;
  send(message: ObjectMessage): void;
  /** The stream needs no more messages: drop it from the table. */
  streamDone(id: number): void;
  /** References that arrived inside items nobody will read: let them go. */
  releaseAll(imports: readonly unknown[]): void;
}

interface Buffered {
  readonly value: unknown;
  readonly bytes: number;
  readonly imports: readonly unknown[];
}

interface Waiter {
  resolve(result: IteratorResult<unknown>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });
const IDLE = 0;
const OPEN = 1;
/** The consumer left (`return`), or the end or failure was handed to it. */
const FINISHED = 2;

/**
 * An `AsyncIterableIterator` over a remote producer. `next()` resolves with the next item,
 * `{ done: true }` after the end, and rejects once with a `RemoteError` where the producer
 * threw (after the items it sent before), or with a `ConnectionClosedError` when the connection
 * closes (after the items already here). `return()` (what `break` calls) stops the producer: its
 * `finally` runs. Concurrent `next()` calls are answered in order.
 */
export class IncomingStream<T = unknown> implements AsyncIterableIterator<T> {
  private state = IDLE;
  private readonly buffer: (Buffered | undefined)[] = [];
  private head = 0;
  private readonly waiters: Waiter[] = [];
  /** Set when the producer ended or failed, or the connection closed: undefined error = end. */
  private ending: { readonly error: Error | undefined } | undefined;
  private itemCredit = 0;
  private byteCredit = 0;
  private readItems = 0;
  private readBytes = 0;

  constructor(
    readonly id: number,
    private readonly sink: StreamSink,
    /** A stream refused on arrival (over `limits.maxStreams`): it fails on the first read. */
    refused?: Error,
  ) {
    if (refused) this.ending = { error: refused };
  }

  /** Items received and not yet read. */
  get buffered(): number {
    return this.buffer.length - this.head;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.buffer.length) return Promise.resolve(this.take());
    if (this.ending) return this.deliverEnding();
    if (this.state === FINISHED) return Promise.resolve(DONE);
    if (this.state === IDLE) this.open();
    return new Promise((resolve, reject) =>
      this.waiters.push({ resolve: resolve as Waiter['resolve'], reject }),
    );
  }

  /** Stops the producer (its `finally` runs there) and drops what was not read. Idempotent. */
  return(): Promise<IteratorResult<T>> {
    if (this.state !== FINISHED) {
      this.state = FINISHED;
      if (!this.ending) {
        this.sink.send({ type: 'stop', stream: this.id });
        this.sink.streamDone(this.id);
      }
      this.ending ??= { error: undefined };
      this.dropBuffer();
      for (const waiter of this.waiters.splice(0)) waiter.resolve(DONE);
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  // ---- From the wire ----

  /**
   * An item arrived. Throws `ProtocolError` when the producer sent past its credit (the
   * connection closes); an item over the byte window fails this stream alone (`LimitError`).
   */
  receive(value: unknown, bytes: number, imports: readonly unknown[]): void {
    if (this.state === FINISHED || this.ending) {
      this.sink.releaseAll(imports);
      return;
    }
    if (this.itemCredit <= 0 || this.byteCredit <= 0) {
      throw new ProtocolError(`${this.sink.peer} sent stream ${this.id} an item past its credit`);
    }
    this.itemCredit--;
    this.byteCredit -= bytes;
    const windowBytes = this.sink.limits.streamWindowBytes;
    if (bytes > windowBytes) {
      this.sink.releaseAll(imports);
      this.sink.send({ type: 'stop', stream: this.id });
      this.sink.streamDone(this.id);
      this.settle(
        new LimitError(
          `an item of ${bytes} bytes from ${this.sink.peer} is over the stream window of ${windowBytes} bytes (limits.streamWindowBytes)`,
        ),
      );
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      this.read(bytes);
      waiter.resolve({ done: false, value });
      return;
    }
    this.buffer.push({ value, bytes, imports });
  }

  /** The producer ended (undefined) or failed (the error): after the buffered items. */
  settle(error: Error | undefined): void {
    if (this.ending || this.state === FINISHED) return;
    this.ending = { error };
    // Waiting readers mean nothing is buffered: the first gets the ending, the others done.
    const waiters = this.waiters.splice(0);
    if (waiters.length === 0) return;
    this.state = FINISHED;
    if (error) waiters[0]!.reject(error);
    else waiters[0]!.resolve(DONE);
    for (const waiter of waiters.slice(1)) waiter.resolve(DONE);
  }

  // ---- Reading ----

  /** The first read: the producer may send a window. */
  private open(): void {
    this.state = OPEN;
    const { streamWindow, streamWindowBytes } = this.sink.limits;
    this.itemCredit = streamWindow;
    this.byteCredit = streamWindowBytes;
    this.sink.send({
      type: 'credit',
      stream: this.id,
      items: streamWindow,
      bytes: streamWindowBytes,
    });
  }

  private take(): IteratorResult<T> {
    const item = this.buffer[this.head]!;
    this.buffer[this.head++] = undefined;
    if (this.head === this.buffer.length) {
      this.buffer.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.buffer.length) {
      this.buffer.splice(0, this.head);
      this.head = 0;
    }
    this.read(item.bytes);
    return { done: false, value: item.value as T };
  }

  /** Gives credit back once half a window (of items or of bytes) was read. */
  private read(bytes: number): void {
    this.readItems++;
    this.readBytes += bytes;
    if (this.ending) return;
    const { streamWindow, streamWindowBytes } = this.sink.limits;
    if (this.readItems * 2 < streamWindow && this.readBytes * 2 < streamWindowBytes) return;
    this.itemCredit += this.readItems;
    this.byteCredit += this.readBytes;
    this.sink.send({
      type: 'credit',
      stream: this.id,
      items: this.readItems,
      bytes: this.readBytes,
    });
    this.readItems = 0;
    this.readBytes = 0;
  }

  private deliverEnding(): Promise<IteratorResult<T>> {
    const error = this.ending!.error;
    if (this.state === FINISHED) return Promise.resolve(DONE);
    this.state = FINISHED;
    return error ? Promise.reject(error) : Promise.resolve(DONE);
  }

  private dropBuffer(): void {
    for (let i = this.head; i < this.buffer.length; i++) {
      this.sink.releaseAll(this.buffer[i]!.imports);
    }
    this.buffer.length = 0;
    this.head = 0;
  }
}
