/**
 * A worker pool: N threads that each serve one module, behind one `Remote<T>`. It is the
 * recipe's thread per client, done for Node, where JavaScript runs one thread per isolate: a
 * CPU-bound function runs in a pool thread while the main thread goes on serving.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from 'node:worker_threads';
import { timeoutMs } from '../deadlines.js';
import type { Limits } from '../limits.js';
import type { Logger } from '../logger.js';
import { makeProxy, type Remote } from '../proxy.js';
import { count, PoolCaller } from './pool-caller.js';
import type { SlotSettings } from './pool-slot.js';

export interface WorkerPoolOptions {
  /** Threads, at least 1 (default: `os.availableParallelism()`). */
  workers?: number | undefined;
  /**
   * Calls one thread runs at once (default 1: a CPU-bound function takes its thread whole, and a
   * call waits in the pool for the first thread that is free). Raise it for functions that await.
   */
  concurrency?: number | undefined;
  /** Calls that may wait for a free thread (default 10,000); past it a call rejects with `LimitError`. */
  maxQueue?: number | undefined;
  /** Default per-call timeout in ms, waiting for a thread included (0: none). */
  timeout?: number | undefined;
  /** Time a thread has to load the module and serve, in ms (default 30,000). */
  startTimeout?: number | undefined;
  /** Options of each `Worker`: `resourceLimits`, `env`, `execArgv`, `argv`, `name`, … */
  worker?: Omit<WorkerOptions, 'workerData' | 'eval' | 'transferList'> | undefined;
  /** Limits of each thread's server and of the connection to it. */
  limits?: Partial<Limits> | undefined;
  /** Send the stacks of errors thrown in the threads. */
  exposeStack?: boolean | undefined;
  /** Shared references and cycles in values, on the connections to the threads. */
  references?: boolean | undefined;
  logger?: Logger | false | undefined;
}

/** What a pool is doing, for logs and tests. */
export interface PoolStats {
  /** The threads running now, by slot; `calls` counts the calls each was given. */
  readonly workers: readonly { threadId: number; inFlight: number; calls: number }[];
  /** Calls waiting for a free thread. */
  readonly queued: number;
  /** Threads started to replace ones that ended. */
  readonly replaced: number;
}

/** A pool, its remote, and its controls. */
export interface WorkerPool<T> {
  /** Calls the module's functions on the least loaded thread: `await pool.remote.hash(data)`. */
  readonly remote: Remote<T>;
  stats(): PoolStats;
  /** Fails waiting and running calls (`ConnectionClosedError`, `requested`), ends the threads. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Where each thread's script is: next to this file once built (tests from source use dist/). */
function entryUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../dist/pool/pool-worker.js', here)
    : new URL('./pool-worker.js', here);
}

/**
 * Starts a pool of `workers` threads, each serving the exports of `module` (a path, relative to
 * the working directory, or a `file:` URL such as `new URL('./heavy.js', import.meta.url)`; a
 * TypeScript module needs tsx, as `farcall serve` does). Resolves once every thread serves;
 * rejects with `UsageError` when the module cannot be loaded (and ends the threads that
 * started), `TimeoutError` past `startTimeout`, `UsageError` for a bad option. See `PoolCaller`
 * (`pool-caller.ts`) for how calls are spread and what a crash does. An idle pool does not keep
 * the process alive; `close()` ends it.
 */
export async function workerPool<T = unknown>(
  module: string | URL,
  options: WorkerPoolOptions = {},
): Promise<WorkerPool<T>> {
  const path = module instanceof URL || module.startsWith('file:') ? fileURLToPath(module) : module;
  const absolute = isAbsolute(path) ? path : resolve(path);
  const size = count(options.workers, availableParallelism(), 'workers', 1);
  const startTimeoutMs = timeoutMs(options.startTimeout, 'startTimeout') ?? 30_000;
  const settings: SlotSettings = {
    entry: entryUrl(),
    data: {
      module: absolute,
      serve: {
        exposeStack: options.exposeStack,
        references: options.references,
        limits: options.limits,
      },
      quiet: options.logger === false,
    },
    worker: options.worker ?? {},
    connect: { logger: options.logger, limits: options.limits, references: options.references },
    startTimeoutMs,
  };
  const caller = new PoolCaller(absolute, size, settings, options);
  await caller.start();
  const timeout = timeoutMs(options.timeout, 'timeout');
  const remote = makeProxy(
    caller,
    '',
    timeout === undefined ? undefined : { timeout },
  ) as Remote<T>;
  return {
    remote,
    stats: () => caller.poolStats(),
    close: () => caller.close(),
    [Symbol.asyncDispose]: () => caller.close(),
  };
}
