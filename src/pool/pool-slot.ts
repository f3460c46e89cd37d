/**
 * One thread of a worker pool: started, connected, counted while it runs calls, and closed.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { CallOptions } from '../caller.js';
import { type ConnectionClosedError, TimeoutError, UsageError } from '../errors.js';
import { proxyState } from '../proxy.js';
import type { Session } from '../session.js';
import { type ConnectWorkerOptions, connectWorker } from '../workers.js';
import { isReady, type PoolWorkerData } from './pool-protocol.js';

export interface SlotSettings {
  /** The script each thread runs (`pool-worker.js`). */
  readonly entry: URL;
  readonly data: PoolWorkerData;
  /** The user's `Worker` options. */
  readonly worker: Omit<WorkerOptions, 'workerData' | 'eval' | 'transferList'>;
  readonly connect: ConnectWorkerOptions;
  /** Time to load the module and serve, in ms. */
  readonly startTimeoutMs: number;
}

/**
 * A started thread and its connection. It keeps the process alive only while it runs calls:
 * an idle pool lets a program end without closing it (its threads die with the process).
 */
export class PoolSlot {
  /** Calls running on it now. */
  inFlight = 0;
  /** Calls it has been given since it started. */
  calls = 0;

  private constructor(
    readonly worker: Worker,
    readonly session: Session,
    readonly threadId: number,
  ) {}

  /** The thread, for messages: `worker thread 7`. */
  get name(): string {
    return `worker thread ${this.threadId}`;
  }

  /**
   * Starts a thread and connects to it. Rejects with `UsageError` when the module fails to load
   * (the thread's own error, as it threw it) and `TimeoutError` when it takes longer than
   * `startTimeoutMs`; the thread is terminated then.
   */
  static async start(settings: SlotSettings): Promise<PoolSlot> {
    const worker = new Worker(settings.entry, { ...settings.worker, workerData: settings.data });
    let uncaught: unknown;
    // The pool owns its threads: their uncaught errors are reported here, never thrown at the user.
    worker.on('error', (error) => {
      uncaught ??= error;
    });
    try {
      await ready(worker, settings, () => uncaught);
      const threadId = worker.threadId;
      const remote = await connectWorker(worker, { ...settings.connect, keepAlive: false });
      worker.unref();
      return new PoolSlot(worker, proxyState(remote).caller as Session, threadId);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  }

  /** Runs one call on this thread, counted. */
  async call(method: string, args: readonly unknown[], options: CallOptions | undefined) {
    if (this.inFlight++ === 0) this.worker.ref();
    this.calls++;
    try {
      return await this.session.call(method, args, options);
    } finally {
      if (--this.inFlight === 0) this.worker.unref();
    }
  }

  /** Runs `listener` once, when the connection to the thread ends for any reason. */
  onEnd(listener: (error: ConnectionClosedError) => void): void {
    this.session.onClose(listener);
  }

  /** Closes the connection (pending calls reject, `requested`), then ends the thread. */
  async close(): Promise<void> {
    await this.session.close();
    await this.worker.terminate();
  }
}

/** Waits for the thread's ready message; rejects when it exits or takes too long first. */
function ready(worker: Worker, settings: SlotSettings, uncaught: () => unknown): Promise<void> {
  const module = settings.data.module;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      done();
      reject(
        new TimeoutError(
          `a thread of the worker pool did not serve ${module} within ${settings.startTimeoutMs} ms (startTimeout)`,
        ),
      );
    }, settings.startTimeoutMs);
    const onMessage = (message: unknown) => {
      if (!isReady(message)) return;
      done();
      resolve();
    };
    const onExit = (code: number) => {
      done();
      const error = uncaught();
      const why = error instanceof Error ? error.message : `the thread exited with code ${code}`;
      reject(
        new UsageError(`the worker pool could not start a thread for ${module}: ${why}`, {
          cause: error,
        }),
      );
    };
    const done = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  });
}
