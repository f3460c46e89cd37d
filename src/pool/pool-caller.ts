/**
 * The worker pool as a `Caller` (`workerPool` in `worker-pool.ts` starts it and puts a proxy in
 * front of it).
 */
import type { Caller, CallOptions } from '../caller.js';
import { type Deadline, Deadlines, timeoutMs } from '../deadlines.js';
import {
  AbortError,
  ConnectionClosedError,
  FarcallError,
  LimitError,
  TimeoutError,
  UsageError,
} from '../errors.js';
import { type Logger, resolveLogger } from '../logger.js';
import type { ConnectionStats } from '../streams/stats.js';
import { PoolSlot, type SlotSettings } from './pool-slot.js';
import type { PoolStats, WorkerPoolOptions } from './worker-pool.js';

/** A thread that ends this many times in a row before it was given a call is not started again. */
const MAX_STRIKES = 3;

interface Waiting {
  readonly method: string;
  readonly args: readonly unknown[];
  readonly options: CallOptions | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  deadline: Deadline | undefined;
  cleanup: (() => void) | undefined;
}

/** A whole-number option of at least `min`; `UsageError` otherwise. */
export function count(
  value: number | undefined,
  fallback: number,
  what: string,
  min: number,
): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${what} must be an integer of at least ${min}, got ${String(value)}`);
  }
  return n;
}

/**
 * The pool as a `Caller`: each call goes to the thread with the fewest calls running (ties: the
 * one given fewest so far), or waits, first in first out, for one to be free. A call's timeout
 * counts from the call, waiting included, and travels with it to the thread; its signal aborts it
 * waiting or running.
 *
 * When a thread ends (a crash, `process.exit`, running out of memory), its running calls reject
 * with a `ConnectionClosedError` that names the thread and how it ended, the pool starts another
 * in its place, and the other calls go on. A thread that ends three times in a row before it
 * was given a call (its module fails after loading) is not started again; when no thread is
 * left, calls reject.
 */
export class PoolCaller implements Caller {
  readonly url: string;
  private readonly slots: (PoolSlot | undefined)[];
  private readonly strikes: number[];
  private readonly waiting: Waiting[] = [];
  private readonly deadlines = new Deadlines();
  private readonly starting = new Set<Promise<unknown>>();
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly logger: Logger;
  private replaced = 0;
  private lastFailure: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly module: string,
    readonly size: number,
    private readonly settings: SlotSettings,
    options: WorkerPoolOptions,
  ) {
    this.url = `pool:${module}`;
    this.slots = new Array(size).fill(undefined);
    this.strikes = new Array(size).fill(0);
    this.concurrency = count(options.concurrency, 1, 'concurrency', 1);
    this.maxQueue = count(options.maxQueue, 10_000, 'maxQueue', 0);
    this.logger = resolveLogger(options.logger);
  }

  /** Starts every thread; rejects (and ends those that started) if one cannot start. */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.slots.map((_, i) => this.startSlot(i)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      await this.close();
      throw (failed as PromiseRejectedResult).reason;
    }
  }

  async call(method: string, args: readonly unknown[], options?: CallOptions): Promise<unknown> {
    if (this.closing)
      throw new ConnectionClosedError('the worker pool is closed', { requested: true });
    const slot = this.waiting.length === 0 ? this.pick() : undefined;
    if (slot) return this.run(slot, method, args, options);
    if (this.live() === 0) throw this.noneLeft();
    if (this.waiting.length >= this.maxQueue) {
      throw new LimitError(
        `the worker pool has ${this.waiting.length} calls waiting for a thread (maxQueue); '${method}' is refused`,
      );
    }
    return this.wait(method, args, options);
  }

  notify(method: string, args: readonly unknown[], options?: CallOptions): void {
    if (this.closing)
      throw new ConnectionClosedError('the worker pool is closed', { requested: true });
    const slot = this.pick(Number.POSITIVE_INFINITY);
    if (!slot) throw this.noneLeft();
    slot.session.notify(method, args, options);
  }

  /**
   * What `stats(pool.remote)` reports: the threads' connections added up, the calls waiting for a
   * thread among the pending ones.
   */
  stats(): ConnectionStats {
    const all = this.slots.flatMap((slot) => (slot ? [slot.session.stats()] : []));
    const sum = (pick: (s: ConnectionStats) => number) => all.reduce((n, s) => n + pick(s), 0);
    return {
      peer: this.url,
      open: !this.closing,
      pendingCalls: sum((s) => s.pendingCalls) + this.waiting.length,
      runningCalls: sum((s) => s.runningCalls),
      streams: {
        outgoing: sum((s) => s.streams.outgoing),
        incoming: sum((s) => s.streams.incoming),
      },
      references: {
        exported: sum((s) => s.references.exported),
        imported: sum((s) => s.references.imported),
      },
    };
  }

  /** The pool's own counts (`pool.stats()`). */
  poolStats(): PoolStats {
    return {
      workers: this.slots.flatMap((slot) =>
        slot ? [{ threadId: slot.threadId, inFlight: slot.inFlight, calls: slot.calls }] : [],
      ),
      queued: this.waiting.length,
      replaced: this.replaced,
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new ConnectionClosedError('the worker pool is closed', { requested: true });
      for (const entry of this.waiting.splice(0)) this.settle(entry).reject(closed);
      this.deadlines.clear();
      await Promise.allSettled([...this.starting]);
      await Promise.all(this.slots.map((slot) => slot?.close()));
    })();
    return this.closing;
  }

  /** The least loaded thread with room for a call (under `limit` running), if any. */
  private pick(limit = this.concurrency): PoolSlot | undefined {
    let best: PoolSlot | undefined;
    for (const slot of this.slots) {
      if (!slot || slot.inFlight >= limit) continue;
      if (
        !best ||
        slot.inFlight < best.inFlight ||
        (slot.inFlight === best.inFlight && slot.calls < best.calls)
      ) {
        best = slot;
      }
    }
    return best;
  }

  private live(): number {
    return this.slots.filter(Boolean).length + this.starting.size;
  }

  private noneLeft(): ConnectionClosedError {
    const why = this.lastFailure ? `: ${this.lastFailure.message}` : '';
    return new ConnectionClosedError(`no thread of the worker pool is running${why}`, {
      cause: this.lastFailure,
    });
  }

  private async run(
    slot: PoolSlot,
    method: string,
    args: readonly unknown[],
    options: CallOptions | undefined,
  ): Promise<unknown> {
    try {
      return await slot.call(method, args, options);
    } catch (error) {
      throw this.explain(error, slot, method);
    } finally {
      this.pump();
    }
  }

  /** A call whose thread ended: say which thread, how it ended, and what the pool does. */
  private explain(error: unknown, slot: PoolSlot, method: string): unknown {
    if (!(error instanceof ConnectionClosedError) || error.requested || this.closing) return error;
    const cause = error.cause instanceof Error ? error.cause : error;
    const how =
      cause instanceof FarcallError ? cause.message.replace(/^farcall: /, '') : cause.message;
    return new ConnectionClosedError(
      `${slot.name} of the worker pool ended while running '${method}' (${how}); the pool starts another`,
      { cause },
    );
  }

  /** Queues a call until a thread is free, under its deadline and signal. */
  private wait(
    method: string,
    args: readonly unknown[],
    options: CallOptions | undefined,
  ): Promise<unknown> {
    const timeout = timeoutMs(options?.timeout, 'timeout');
    const signal = options?.signal;
    if (signal?.aborted) {
      return Promise.reject(
        new AbortError(`call to '${method}' aborted`, { cause: signal.reason }),
      );
    }
    return new Promise((resolve, reject) => {
      const entry: Waiting = {
        method,
        args,
        options,
        resolve,
        reject,
        deadline: undefined,
        cleanup: undefined,
      };
      if (timeout !== undefined) {
        entry.deadline = this.deadlines.add(
          timeout,
          () =>
            this.drop(
              entry,
              new TimeoutError(
                `call to '${method}' on ${this.url} timed out after ${timeout} ms, waiting for a free thread`,
              ),
            ),
          undefined,
        );
      }
      if (signal) {
        const onAbort = () =>
          this.drop(entry, new AbortError(`call to '${method}' aborted`, { cause: signal.reason }));
        signal.addEventListener('abort', onAbort, { once: true });
        entry.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.waiting.push(entry);
    });
  }

  private drop(entry: Waiting, error: Error): void {
    const index = this.waiting.indexOf(entry);
    if (index < 0) return;
    this.waiting.splice(index, 1);
    this.settle(entry).reject(error);
  }

  private settle(entry: Waiting): Waiting {
    entry.deadline?.cancel();
    entry.cleanup?.();
    return entry;
  }

  /** Gives waiting calls to free threads, in order. */
  private pump(): void {
    while (this.waiting.length > 0 && !this.closing) {
      const slot = this.pick();
      if (!slot) return;
      const entry = this.settle(this.waiting.shift()!);
      let { options } = entry;
      if (entry.deadline) {
        // The rest of the call's time travels with it to the thread.
        const left = Math.ceil(entry.deadline.at - performance.now());
        options = { ...options, timeout: Math.max(1, left) };
      }
      this.run(slot, entry.method, entry.args, options).then(entry.resolve, entry.reject);
    }
  }

  private startSlot(index: number): Promise<void> {
    const started = PoolSlot.start(this.settings).then(
      (slot) => this.adopt(index, slot),
      (error: Error) => {
        this.lastFailure = error;
        throw error;
      },
    );
    this.starting.add(started);
    const forget = () => {
      this.starting.delete(started);
      // A failed start may leave calls waiting for threads that will never come.
      if (this.live() === 0)
        for (const entry of this.waiting.splice(0)) this.settle(entry).reject(this.noneLeft());
    };
    started.then(forget, forget);
    return started;
  }

  private adopt(index: number, slot: PoolSlot): void {
    if (this.closing) {
      void slot.close();
      return;
    }
    this.slots[index] = slot;
    slot.onEnd((error) => this.ended(index, slot, error));
    this.pump();
  }

  /** A thread's connection ended: replace it unless the pool is closing or it keeps failing. */
  private ended(index: number, slot: PoolSlot, error: ConnectionClosedError): void {
    if (this.slots[index] === slot) this.slots[index] = undefined;
    if (this.closing) return;
    void slot.worker.terminate();
    // A thread that ends before it was given a call points at its module, not at a call.
    const strikes = slot.calls === 0 ? this.strikes[index]! + 1 : 0;
    this.strikes[index] = strikes;
    this.lastFailure = error;
    if (strikes >= MAX_STRIKES) {
      this.logger.warn(
        `${slot.name} of the worker pool ended ${strikes} times in a row before answering a call (${error.message}); not starting it again`,
      );
      if (this.live() === 0)
        for (const entry of this.waiting.splice(0)) this.settle(entry).reject(this.noneLeft());
      return;
    }
    this.logger.warn(`${slot.name} of the worker pool ended (${error.message}); starting another`);
    this.replaced++;
    this.startSlot(index).catch((failure: Error) => {
      this.logger.warn(`the worker pool could not replace ${slot.name}: ${failure.message}`);
    });
  }
}
