/** What a worker pool and its threads say to each other besides RPC. */
import type { Limits } from '../limits.js';

/** Posted by a pool thread once it serves. */
export const READY = { '$farcall.pool': 'ready' } as const;

export function isReady(message: unknown): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as Record<string, unknown>)['$farcall.pool'] === 'ready'
  );
}

/** The `workerData` of a pool thread. */
export interface PoolWorkerData {
  /** The module to serve: an absolute path. */
  readonly module: string;
  /** Its server's settings (what can be cloned of them: no logger object). */
  readonly serve: {
    readonly exposeStack?: boolean | undefined;
    readonly references?: boolean | undefined;
    readonly limits?: Partial<Limits> | undefined;
  };
  /** No log lines from the thread (the pool's `logger: false`). */
  readonly quiet: boolean;
}
