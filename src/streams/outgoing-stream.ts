/**
 * The producing end of a stream: an async iterable or a `ReadableStream` this end passed (as an
 * argument, a result or inside an item), pulled only as far as its consumer's credit goes.
 */
import { LimitError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ObjectMessage, WireError } from '../protocol/protocol.js';
import { describe, toWireError } from '../wire-error.js';

/** What a stream source is: anything with `Symbol.asyncIterator`, or a `ReadableStream`. */
export type StreamSource = AsyncIterable<unknown> | ReadableStream<unknown>;

/** What an outgoing stream needs from the connection's reference table. */
export interface ProducerHost {
  readonly peer: string;
  readonly logger: Logger;
  readonly exposeStack: boolean;
  send(message: ObjectMessage): void;
  /** Encodes an item (references in it become this end's), or throws `CodecError`/`LimitError`. */
  encodeItem(stream: number, value: unknown, maxBytes: number): Uint8Array;
  sendFrame(frame: Uint8Array): void;
  /** True while the channel holds more unsent bytes than it should: wait for `drained`. */
  congested(): boolean;
  drained(): Promise<void>;
  producerDone(id: number): void;
}

interface Pull {
  next(): Promise<IteratorResult<unknown>>;
  stop(): Promise<unknown> | undefined;
}

/** True for what the stream table sends as a stream: a `ReadableStream` or an async iterable. */
export function isStreamSource(value: unknown): value is StreamSource {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const probe = value as { getReader?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof probe.getReader === 'function' || typeof probe[Symbol.asyncIterator] === 'function';
}

/**
 * Pulls its source while the consumer's credit lasts. Nothing is pulled before the first
 * credit, so a producer's body starts only when its consumer reads (as a local async generator
 * would). A source that throws ends the stream with FAIL (the consumer's `RemoteError`); an item
 * that cannot be encoded, or is over the consumer's window, ends it with FAIL too and stops the
 * source. `stop()` (the consumer left, or the connection closed) calls the source's `return()`
 * (or cancels the `ReadableStream`), so its `finally` runs; a pull in progress is dropped.
 */
export class OutgoingStream {
  private pull: Pull | undefined;
  private itemCredit = 0;
  private byteCredit = 0;
  /** The consumer's byte window, from its first credit: the largest item it takes. */
  private maxItemBytes = 0;
  private pumping = false;
  private stopped = false;
  /** Items sent, for tests and stats. */
  sent = 0;

  constructor(
    readonly id: number,
    private readonly source: StreamSource,
    private readonly host: ProducerHost,
  ) {}

  /** The consumer may receive `items` and `bytes` more. */
  credit(items: number, bytes: number): void {
    if (this.stopped) return;
    if (this.maxItemBytes === 0) this.maxItemBytes = bytes;
    this.itemCredit += items;
    this.byteCredit += bytes;
    void this.pump();
  }

  /** The consumer left or the connection closed: stop the source. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.host.producerDone(this.id);
    this.stopSource();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.stopped && this.itemCredit > 0 && this.byteCredit > 0) {
        if (this.host.congested()) {
          await this.host.drained();
          continue;
        }
        let step: IteratorResult<unknown>;
        try {
          this.pull ??= pullOf(this.source);
          step = await this.pull.next();
        } catch (error) {
          this.fail(toWireError(error, this.host.exposeStack), false);
          return;
        }
        if (this.stopped) return; // the consumer left while the source worked
        if (step.done) {
          this.finish({ type: 'end', stream: this.id });
          return;
        }
        let frame: Uint8Array;
        try {
          frame = this.host.encodeItem(this.id, step.value, this.maxItemBytes);
        } catch (error) {
          this.host.logger.warn(
            `stream ${this.id} to ${this.host.peer} ends: an item could not be sent: ${describe(error)}`,
          );
          this.fail(toWireError(error, false), true);
          return;
        }
        this.host.sendFrame(frame);
        this.sent++;
        this.itemCredit--;
        this.byteCredit -= frame.length;
      }
    } finally {
      this.pumping = false;
    }
  }

  private finish(message: ObjectMessage): void {
    this.stopped = true;
    this.host.producerDone(this.id);
    this.host.send(message);
  }

  private fail(error: WireError, stopSource: boolean): void {
    this.finish({ type: 'fail', stream: this.id, error });
    if (stopSource) this.stopSource();
  }

  private stopSource(): void {
    const report = (error: unknown) =>
      this.host.logger.warn(
        `stream ${this.id} to ${this.host.peer}: stopping its source threw: ${describe(error)}`,
      );
    try {
      if (this.pull) this.pull.stop()?.then(undefined, report);
      else if (isReadable(this.source)) this.source.cancel().then(undefined, report);
    } catch (error) {
      report(error);
    }
  }
}

function isReadable(source: StreamSource): source is ReadableStream<unknown> {
  return typeof (source as ReadableStream<unknown>).getReader === 'function';
}

/** One way to pull any source: a `ReadableStream` by its reader, others by their iterator. */
function pullOf(source: StreamSource): Pull {
  if (isReadable(source)) {
    const reader = source.getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<unknown>>,
      stop: () => reader.cancel(),
    };
  }
  const iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    stop: () => (typeof iterator.return === 'function' ? iterator.return() : undefined),
  };
}

/** The error an item over the consumer's window gets, before anything is sent. */
export function itemTooLarge(bytes: number, max: number, peer: string): LimitError {
  return new LimitError(
    `a stream item of ${bytes} bytes is over the stream window of ${peer}, ${max} bytes (its limits.streamWindowBytes)`,
  );
}
