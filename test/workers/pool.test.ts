/**
 * The worker pool with real threads, serving `fixtures/heavy.js` (on the built package; the
 * pool's threads run the built entry). How calls spread is asserted by counting threads, never
 * by time.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  ConnectionClosedError,
  close,
  connect,
  LimitError,
  listMethods,
  RemoteError,
  serve,
  stats,
  TimeoutError,
  UsageError,
  type WorkerPool,
  withOptions,
  workerPool,
} from '../../src/index.js';

/** What `fixtures/heavy.js` exports. */
type Heavy = {
  whoami(): number;
  hash(rounds: number, seed?: string): string;
  hang(): Promise<never>;
  crash(message: string): Promise<never>;
  fail(): never;
  hog(): never;
  count(n: number): AsyncGenerator<number>;
  twice(fn: (x: number) => number, x: number): Promise<number[]>;
  math: { square(x: number): number };
};
const HEAVY = new URL('./fixtures/heavy.js', import.meta.url);

const pools: WorkerPool<Heavy>[] = [];

async function start(options: Parameters<typeof workerPool>[1] = {}): Promise<WorkerPool<Heavy>> {
  const pool = await workerPool<Heavy>(HEAVY, { logger: false, ...options });
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

/** How many calls each thread answered, from the thread ids they returned. */
function tally(ids: number[]): number[] {
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts.values()].sort();
}

describe('workerPool', () => {
  it('serves the module through one remote: functions, namespaces, errors', async () => {
    const pool = await start({ workers: 2 });
    expect(await pool.remote.math.square(9)).toBe(81);
    expect(await pool.remote.hash(1, 'x')).toMatch(/^[0-9a-f]{64}$/);
    const error = await pool.remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ name: 'RangeError', message: 'out of range' });
    expect(pool.stats().workers).toHaveLength(2);
  });

  it('carries streams and callbacks to and from its threads', async () => {
    const pool = await start({ workers: 2 });
    const items: number[] = [];
    for await (const i of await pool.remote.count(3)) items.push(i);
    expect(items).toEqual([1, 2, 3]);
    expect(await pool.remote.twice((x) => x * 10, 4)).toEqual([40, 50]);
  });

  it('gives calls in flight to different threads, the least loaded first', async () => {
    const pool = await start({ workers: 2, concurrency: 2 });
    // Each call is placed when it is made: A, B, then A and B again (fewest running, then fewest given).
    const ids = await Promise.all(Array.from({ length: 4 }, () => pool.remote.whoami()));
    expect(tally(ids)).toEqual([2, 2]);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[2]).toBe(ids[0]);
    expect(ids[3]).toBe(ids[1]);
  });

  it('spreads sequential calls evenly, and queues what no thread has room for', async () => {
    const pool = await start({ workers: 3 });
    const sequential: number[] = [];
    for (let i = 0; i < 9; i++) sequential.push(await pool.remote.whoami());
    expect(tally(sequential)).toEqual([3, 3, 3]);
    // Ten at once with room for three: seven wait in the pool, and every call is answered.
    const burst = pool.remote.hash(2000);
    const rest = Array.from({ length: 9 }, () => pool.remote.whoami());
    expect(pool.stats().queued).toBe(7);
    await burst;
    const threads = pool.stats().workers.map((w) => w.threadId);
    for (const id of await Promise.all(rest)) expect(threads).toContain(id);
    expect(pool.stats().workers.reduce((sum, w) => sum + w.calls, 0)).toBe(19);
  });

  it('fails a call whose thread crashes, naming the crash; replaces the thread; the others go on', async () => {
    const pool = await start({ workers: 2 });
    const [first, second] = pool.stats().workers;
    const crashing = pool.remote.crash('boom').catch((e: unknown) => e);
    // The other thread has no call: this one goes there, and is answered.
    const other = pool.remote.whoami();
    const error = (await crashing) as ConnectionClosedError;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.requested).toBe(false);
    expect(error.message).toContain(`worker thread ${first!.threadId} of the worker pool ended`);
    expect(error.message).toContain("while running 'crash'");
    expect(error.message).toContain(
      'the worker exited with code 1 after an uncaught TypeError: boom',
    );
    expect(await other).toBe(second!.threadId);
    await expect.poll(() => pool.stats().workers.length, { timeout: 10_000 }).toBe(2);
    expect(pool.stats().replaced).toBe(1);
    const ids = await Promise.all([pool.remote.whoami(), pool.remote.whoami()]);
    expect(ids).toContain(second!.threadId);
    expect(ids.some((id) => id !== first!.threadId && id !== second!.threadId)).toBe(true);
  });

  it('names a thread that ran out of memory under its resource limits', async () => {
    const pool = await start({
      workers: 1,
      worker: { resourceLimits: { maxOldGenerationSizeMb: 24 } },
    });
    const error = (await pool.remote.hog().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.message).toContain("while running 'hog'");
    expect(error.message).toMatch(/uncaught .*memory limit/);
    await expect.poll(() => pool.stats().workers.length, { timeout: 10_000 }).toBe(1);
    expect(await pool.remote.math.square(2)).toBe(4);
  });

  it('times out a call that waits too long for a thread, and aborts one on its signal', async () => {
    const pool = await start({ workers: 1 });
    const holder = new AbortController();
    const blocking = withOptions(pool.remote, { signal: holder.signal })
      .hang()
      .catch(() => {});
    await expect(withOptions(pool.remote, { timeout: 50 }).whoami()).rejects.toBeInstanceOf(
      TimeoutError,
    );
    const waiting = new AbortController();
    const aborted = withOptions(pool.remote, { signal: waiting.signal }).whoami();
    waiting.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    holder.abort();
    await blocking;
  });

  it('stats(pool.remote) adds up the threads, waiting calls among the pending', async () => {
    const pool = await start({ workers: 1 });
    const holder = new AbortController();
    const blocking = withOptions(pool.remote, { signal: holder.signal })
      .hang()
      .catch(() => {});
    const queued = pool.remote.whoami();
    await expect.poll(() => stats(pool.remote).pendingCalls).toBe(2);
    expect(stats(pool.remote)).toMatchObject({ open: true, streams: { outgoing: 0, incoming: 0 } });
    holder.abort();
    await blocking;
    await queued;
    expect(stats(pool.remote).pendingCalls).toBe(0);
  });

  it('refuses calls past maxQueue with LimitError', async () => {
    const pool = await start({ workers: 1, maxQueue: 1 });
    const holder = new AbortController();
    const blocking = withOptions(pool.remote, { signal: holder.signal })
      .hang()
      .catch(() => {});
    const queued = pool.remote.whoami();
    await expect(pool.remote.whoami()).rejects.toBeInstanceOf(LimitError);
    holder.abort();
    await blocking;
    expect(typeof (await queued)).toBe('number');
  });

  it('close fails running and waiting calls as requested, and ends the threads', async () => {
    const pool = await start({ workers: 1 });
    const running = pool.remote.hang().catch((e: unknown) => e);
    const waiting = pool.remote.whoami().catch((e: unknown) => e);
    await pool.close();
    for (const error of [await running, await waiting]) {
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect((error as ConnectionClosedError).requested).toBe(true);
    }
    await expect(pool.remote.whoami()).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('rejects a module that cannot be loaded, saying why', async () => {
    await expect(workerPool('no/such/module.js', { workers: 1 })).rejects.toThrow(
      /could not start a thread.*no such file/,
    );
    const error = await workerPool(new URL('./fixtures/broken.js', import.meta.url), {
      workers: 2,
      logger: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('this module is broken');
  });

  it('does not keep the process alive when idle', () => {
    // A program that calls a pool and never closes it still ends, with its output.
    const output = execFileSync(
      process.execPath,
      [fileURLToPath(new URL('./fixtures/idle-pool.js', import.meta.url))],
      {
        encoding: 'utf8',
        timeout: 15_000,
      },
    );
    expect(output.trim()).toBe('49');
  });
});

describe('serve with module and workers', () => {
  it('answers the module in the pool and the api here, on one address', async () => {
    const server = await serve(
      { local: () => 'main thread' },
      { listen: 'tcp://127.0.0.1:0', module: HEAVY, workers: 2, logger: false },
    );
    const remote = await connect<Heavy & { local(): string }>(server.url, { logger: false });
    try {
      expect(await remote.local()).toBe('main thread');
      expect(await remote.math.square(12)).toBe(144);
      const ids = await Promise.all([remote.whoami(), remote.whoami()]);
      expect(new Set(ids).size).toBe(2);
      expect(await listMethods(remote)).toEqual(
        expect.arrayContaining(['crash', 'hash', 'local', 'math.square', 'whoami']),
      );
      // A crash reaches the client as a RemoteError naming it; the server goes on.
      const error = await remote.crash('boom').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect((error as Error).message).toContain('uncaught TypeError: boom');
      expect(await remote.math.square(3)).toBe(9);
    } finally {
      await close(remote);
      await server.close();
    }
  });

  it('refuses a name in both, and workers without a module', async () => {
    await expect(
      serve(
        { whoami: () => 0 },
        { listen: 'tcp://127.0.0.1:0', module: HEAVY, workers: 1, logger: false },
      ),
    ).rejects.toThrow("'whoami' is both in api");
    await expect(
      serve({ f: () => 1 }, { listen: 'tcp://127.0.0.1:0', workers: 2 }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});
