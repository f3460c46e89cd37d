/**
 * Streams and callbacks under the faults of `farcall/testing`: cut mid-way, at many points, and
 * mangled (dropped, duplicated, reordered frames) until cut. Whatever happens, every stream
 * ends, every callback is released, every producer's `finally` runs, and `stats()` is back to
 * zero: nothing leaks, nothing hangs.
 */
import { describe, expect, it } from 'vitest';
import { type Callback, ConnectionClosedError, release, retain, stats } from '../../src/index.js';
import { memoryConnect } from '../../src/testing.js';

let started = 0;
let stopped = 0;
const kept: ((...args: unknown[]) => Promise<unknown>)[] = [];

const api = {
  count: async function* (n: number) {
    started++;
    try {
      for (let i = 1; i <= n; i++) yield i;
    } finally {
      stopped++;
    }
  },
  sum: async (items: AsyncIterable<number>) => {
    let total = 0;
    for await (const n of items) total += n;
    return total;
  },
  progress: async (steps: number, onStep: Callback<(step: number) => number>) => {
    let total = 0;
    for (let step = 1; step <= steps; step++) total += await onStep(step);
    return total;
  },
  subscribe: (onEvent: Callback<(e: string) => void>) => {
    kept.push(retain(onEvent) as (...args: unknown[]) => Promise<unknown>);
  },
};

/** The client's stream producers, counted as the server's are. */
function clientCounter() {
  const counts = { started: 0, stopped: 0 };
  async function* upTo(n: number) {
    counts.started++;
    try {
      for (let i = 1; i <= n; i++) yield i;
    } finally {
      counts.stopped++;
    }
  }
  return { counts, upTo };
}

/** Everything one connection does at once: streams both ways, callbacks, a retained one. */
function workload(remote: Awaited<ReturnType<typeof memoryConnect<typeof api>>>['remote']) {
  const { counts, upTo } = clientCounter();
  const work = [
    (async () => {
      let n = 0;
      for await (const _ of await remote.count(100_000)) n++;
      return n;
    })(),
    (async () => {
      const stream = await remote.count(100_000);
      for await (const i of stream) if (i === 50) break;
      return 'broke';
    })(),
    remote.sum(upTo(100_000)),
    remote.progress(10_000, (step) => step),
    remote.subscribe(() => {}),
  ];
  return { counts, settled: Promise.allSettled(work) };
}

/** After a cut: every piece settled, every producer stopped, and nothing is counted any more. */
async function expectAllReleased(
  connection: Awaited<ReturnType<typeof memoryConnect<typeof api>>>,
  counts: { started: number; stopped: number },
  results: PromiseSettledResult<unknown>[],
): Promise<void> {
  for (const result of results) {
    if (result.status === 'rejected') {
      expect(result.reason).toBeInstanceOf(ConnectionClosedError);
    }
  }
  await expect.poll(() => stopped, { timeout: 5000 }).toBe(started);
  await expect.poll(() => counts.stopped, { timeout: 5000 }).toBe(counts.started);
  expect(stats(connection.remote)).toMatchObject({
    open: false,
    pendingCalls: 0,
    runningCalls: 0,
    streams: { outgoing: 0, incoming: 0 },
    references: { exported: 0, imported: 0 },
  });
  await expect.poll(() => connection.server.stats().length, { timeout: 5000 }).toBe(0);
  // A callback the server retained rejects now, instead of hanging.
  for (const callback of kept.splice(0)) {
    await expect(callback('late')).rejects.toBeInstanceOf(ConnectionClosedError);
  }
}

describe('streams and callbacks cut mid-way', () => {
  it.each([20, 60, 200, 1000])(
    'cut after the server sent %i frames: everything ends and is released',
    async (frames) => {
      const connection = await memoryConnect<typeof api>(api);
      const { counts, settled } = workload(connection.remote);
      // The cut comes from the server's end, mid-stream; the handshake was before it.
      connection.serverEnd.faults = { cutAfter: frames };
      const results = await settled;
      expect(results.some((r) => r.status === 'rejected')).toBe(true);
      await expectAllReleased(connection, counts, results);
      await connection.close();
    },
  );

  it('cut by the client while the server holds its streams and callbacks', async () => {
    const connection = await memoryConnect<typeof api>(api);
    const { counts, settled } = workload(connection.remote);
    await expect
      .poll(() => connection.server.stats()[0]?.streams.outgoing ?? 0, { timeout: 5000 })
      .toBeGreaterThan(0);
    const [live] = connection.server.stats();
    expect(live!.runningCalls).toBeGreaterThan(0);
    connection.client.cut();
    const results = await settled;
    await expectAllReleased(connection, counts, results);
    await connection.close();
  });
});

describe('streams and callbacks over a mangled connection', () => {
  it.each([1, 2, 3, 4, 5])(
    'seed %i: dropped, duplicated and reordered frames end in a cut, and nothing leaks',
    async (seed) => {
      const connection = await memoryConnect<typeof api>(api);
      const { counts, settled } = workload(connection.remote);
      const faults = { drop: 0.01, duplicate: 0.01, reorder: 0.01, seed };
      connection.client.faults = { ...faults, seed };
      connection.serverEnd.faults = { ...faults, seed: seed + 100 };
      // A mangled frame may close the connection (a protocol error) or stall a stream whose
      // item or credit was dropped; the cut ends whatever is still waiting.
      const bound = new Promise((resolve) => setTimeout(resolve, 300));
      await Promise.race([settled, bound]);
      connection.client.cut();
      const results = await settled;
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(Error);
      }
      await expect.poll(() => stopped, { timeout: 5000 }).toBe(started);
      await expect.poll(() => counts.stopped, { timeout: 5000 }).toBe(counts.started);
      expect(stats(connection.remote)).toMatchObject({
        open: false,
        streams: { outgoing: 0, incoming: 0 },
        references: { exported: 0, imported: 0 },
      });
      await expect.poll(() => connection.server.stats().length, { timeout: 5000 }).toBe(0);
      for (const callback of kept.splice(0)) await expect(callback()).rejects.toThrow();
      await connection.close();
    },
  );

  it('delayed frames change nothing: every piece completes and nothing is left', async () => {
    const connection = await memoryConnect<typeof api>(api, { faults: { delay: 1 } });
    const remote = connection.remote;
    const { counts, upTo } = clientCounter();
    let n = 0;
    for await (const _ of await remote.count(2000)) n++;
    expect(n).toBe(2000);
    expect(await remote.sum(upTo(2000))).toBe(2001 * 1000);
    expect(await remote.progress(50, (step) => step)).toBe(1275);
    const stream = await remote.count(1_000_000);
    await stream.next();
    release(stream);
    await remote.sum(upTo(1));
    expect(counts.stopped).toBe(counts.started);
    expect(stats(remote)).toMatchObject({
      pendingCalls: 0,
      streams: { outgoing: 0, incoming: 0 },
      references: { exported: 0, imported: 0 },
    });
    expect(connection.server.stats()[0]).toMatchObject({
      streams: { outgoing: 0, incoming: 0 },
      references: { exported: 0, imported: 0 },
    });
    await connection.close();
  });
});
