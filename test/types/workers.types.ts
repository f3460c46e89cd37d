/**
 * Compile-only type tests for the worker and process functions and the pool: `tsc --noEmit`
 * checks this file; nothing here runs. Each returns the same typed proxy as `connect`.
 */
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import {
  connectChild,
  type connectParent,
  connectWorker,
  type Remote,
  type Server,
  serveChild,
  type serveParent,
  serveWorker,
  workerPool,
} from '../../src/index.js';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

const api = {
  add: (x: number, y: number) => x + y,
  math: { square: async (x: number) => x * x },
};

export async function typeTests(): Promise<void> {
  const worker = new Worker('./worker.js');
  const child = fork('./child.js');

  const w = await connectWorker<typeof api>(worker);
  assertType<Equal<typeof w, Remote<typeof api>>>();
  assertType<Equal<ReturnType<typeof w.math.square>, Promise<number>>>();
  assertType<Equal<Awaited<ReturnType<typeof connectChild<typeof api>>>, Remote<typeof api>>>();
  assertType<Equal<Awaited<ReturnType<typeof connectParent<typeof api>>>, Remote<typeof api>>>();
  await connectChild<typeof api>(worker, { via: 'ipc' });
  await connectChild<typeof api>(child, { via: 'stdio', authkey: 'k', timeout: 100 });

  assertType<Equal<Awaited<ReturnType<typeof serveWorker>>, Server>>();
  assertType<Equal<Awaited<ReturnType<typeof serveParent>>, Server>>();
  await serveChild(child, api, { logger: false });
  // @ts-expect-error: the address is the peer's, not an option
  await serveWorker(api, { listen: 'tcp://127.0.0.1:0' });
  // @ts-expect-error: a connection goes over IPC or stdio, nothing else
  await connectChild(child, { via: 'tcp' });

  const pool = await workerPool<typeof api>(new URL('./heavy.js', import.meta.url), { workers: 2 });
  assertType<Equal<typeof pool.remote, Remote<typeof api>>>();
  assertType<Equal<ReturnType<typeof pool.remote.add>, Promise<number>>>();
  // @ts-expect-error: the pool types its remote from T
  await pool.remote.nosuch();
  assertType<Equal<ReturnType<typeof pool.stats>['queued'], number>>();
}
