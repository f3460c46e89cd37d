/**
 * How the thread or process at the other end of a channel ended, for the error its calls get.
 * A channel over a worker's port or a child's pipes sees only that the connection closed; the
 * `Worker` or `ChildProcess` object knows why (an exit code, a signal, an uncaught error), and
 * says so a moment later. Channels wait for that moment (`GONE_GRACE_MS`, at most) before they
 * report the close, so a crash mid-call reads "connection to worker thread 3 lost: the worker
 * exited with code 1 after an uncaught TypeError: boom", not just "connection lost".
 *
 * The reasons are plain `Error`s: they are the `cause` of the `Error` the
 * session makes, as a socket's `ECONNRESET` is.
 */
import { errorMonitor } from 'node:events';

/** How long a channel waits, after its connection closed unannounced, to learn why. */
export const GONE_GRACE_MS = 1000;

/** Watches one peer; `stop` removes the listeners it added. */
export interface PeerWatch {
  /** Resolves with why the peer is gone, once it is; never rejects. */
  readonly gone: Promise<Error>;
  stop(): void;
}

/** What a peer watch needs of a `Worker`. */
export interface WatchedWorker {
  readonly threadId: number;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: typeof errorMonitor, listener: (error: unknown) => void): unknown;
  off(event: 'exit', listener: (code: number) => void): unknown;
  off(event: typeof errorMonitor, listener: (error: unknown) => void): unknown;
}

/** What a peer watch needs of a `ChildProcess`. */
export interface WatchedChild {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  on(
    event: 'exit',
    listener: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): unknown;
  off(
    event: 'exit',
    listener: (code: number | null, signal: NodeJS.Signals | null) => void,
  ): unknown;
}

/**
 * Watches a worker thread. Its uncaught error is observed through `errorMonitor`, which does not
 * count as handling it: a worker the user left without an `'error'` listener still fails the
 * process as Node makes it.
 */
export function watchWorker(worker: WatchedWorker): PeerWatch {
  let uncaught: unknown;
  let resolve!: (error: Error) => void;
  const gone = new Promise<Error>((r) => {
    resolve = r;
  });
  const onError = (error: unknown) => {
    uncaught ??= error;
  };
  const onExit = (code: number) => {
    const after = uncaught === undefined ? '' : ` after an uncaught ${describeError(uncaught)}`;
    resolve(new Error(`the worker exited with code ${code}${after}`, { cause: uncaught }));
  };
  worker.on(errorMonitor, onError);
  worker.on('exit', onExit);
  return {
    gone,
    stop() {
      worker.off(errorMonitor, onError);
      worker.off('exit', onExit);
    },
  };
}

/** Watches a child process; one that has exited already resolves at once. */
export function watchChild(child: WatchedChild): PeerWatch {
  let resolve!: (error: Error) => void;
  const gone = new Promise<Error>((r) => {
    resolve = r;
  });
  const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    resolve(new Error(`the process ${how}`));
  };
  if (child.exitCode !== null || child.signalCode !== null) {
    onExit(child.exitCode, child.signalCode);
  }
  child.on('exit', onExit);
  return { gone, stop: () => child.off('exit', onExit) };
}

/**
 * Why a connection closed without its goodbye: what `watch` learns within `GONE_GRACE_MS`, or
 * `fallback`. The grace timer never keeps the process alive.
 */
export async function goneReason(
  watch: PeerWatch | undefined,
  fallback: () => Error,
): Promise<Error> {
  if (!watch) return fallback();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), GONE_GRACE_MS);
    timer.unref?.();
  });
  try {
    return (await Promise.race([watch.gone, late])) ?? fallback();
  } finally {
    clearTimeout(timer);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : 'error';
}
