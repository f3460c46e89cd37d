/**
 * Worker threads for real: fixtures in `fixtures/` import the built package (`npm test` builds
 * it first), and the parent here talks to them through the source. A worker that crashes, exits
 * or is terminated mid-call; a worker that exits once its connection closes; the reverse
 * direction; a port pair in one thread.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConnectionClosedError,
  close,
  connectChild,
  connectWorker,
  RemoteError,
  serveChild,
  serveWorker,
  TimeoutError,
  withOptions,
} from '../../src/index.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

type WorkerApi = {
  add(x: number, y: number): number;
  threadId(): number;
  fail(): never;
  hang(): Promise<never>;
  crash(message: string): Promise<never>;
  exit(code: number): Promise<never>;
};

const started: Worker[] = [];

/** A worker running `name`; its uncaught errors are the tests' business, never the process's. */
function start(name: string, workerData?: unknown): Worker {
  const worker = new Worker(fixture(name), { workerData });
  worker.on('error', () => {});
  started.push(worker);
  return worker;
}

/** Resolves with the worker's exit code. */
const exited = (worker: Worker) =>
  new Promise<number>((resolve) => worker.once('exit', (code) => resolve(code)));

afterEach(async () => {
  await Promise.all(started.splice(0).map((worker) => worker.terminate()));
});

describe('serveWorker and connectWorker', () => {
  it('calls a worker as it would a server, errors and all', async () => {
    const worker = start('serve-worker.js');
    const remote = await connectWorker<WorkerApi>(worker, { logger: false });
    expect(await remote.add(2, 3)).toBe(5);
    expect(await remote.threadId()).toBe(worker.threadId);
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ name: 'RangeError', message: 'out of range' });
    expect(String(remote)).toBe(`Remote(worker:${worker.threadId})`);
    await close(remote);
  });

  it('lets the worker exit once the connection closes', async () => {
    const worker = start('serve-worker.js');
    const exit = exited(worker);
    const remote = await connectWorker<WorkerApi>(worker, { logger: false });
    expect(await remote.add(1, 1)).toBe(2);
    await close(remote);
    // Nothing is left to keep the worker's event loop alive: it ends on its own, cleanly.
    expect(await exit).toBe(0);
  });

  it('fails a call whose worker crashes with an error naming the crash; others go on', async () => {
    const doomed = start('serve-worker.js');
    const healthy = start('serve-worker.js');
    const doomedId = doomed.threadId;
    const a = await connectWorker<WorkerApi>(doomed, { logger: false });
    const b = await connectWorker<WorkerApi>(healthy, { logger: false });
    const error = (await a.crash('boom').catch((e: unknown) => e)) as ConnectionClosedError;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.requested).toBe(false);
    expect(error.message).toContain(`worker thread ${doomedId}`);
    expect(error.message).toContain('exited with code 1 after an uncaught TypeError: boom');
    expect(await b.add(2, 2)).toBe(4);
    await expect(a.add(1, 1)).rejects.toBeInstanceOf(ConnectionClosedError);
    await close(b);
  });

  it('names the exit code of a worker that exits mid-call, and a terminated one', async () => {
    const exiting = start('serve-worker.js');
    const remote = await connectWorker<WorkerApi>(exiting, { logger: false });
    await expect(remote.exit(3)).rejects.toThrow('the worker exited with code 3');

    const terminated = start('serve-worker.js');
    const other = await connectWorker<WorkerApi>(terminated, { logger: false });
    const pending = other.hang().catch((e: unknown) => e);
    await terminated.terminate();
    const error = (await pending) as Error;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.message).toContain('the worker exited with code 1');
  });

  it('cancels the worker side of a call that times out, and goes on', async () => {
    const worker = start('serve-worker.js');
    const remote = await connectWorker<WorkerApi>(worker, { logger: false });
    await expect(withOptions(remote, { timeout: 50 }).hang()).rejects.toBeInstanceOf(TimeoutError);
    expect(await remote.add(4, 4)).toBe(8);
    await close(remote);
  });

  it('runs the opening with an authkey when both ends have one', async () => {
    const worker = start('serve-worker.js', { authkey: 'shared' });
    await expect(connectWorker(worker, { authkey: 'other', logger: false })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    const remote = await connectWorker<WorkerApi>(worker, { authkey: 'shared', logger: false });
    expect(await remote.add(1, 2)).toBe(3);
    await close(remote);
  });

  it('says so when the worker ends without serving', async () => {
    const worker = start('exit-at-once.js');
    const error = (await connectWorker(worker, { logger: false }).catch((e) => e)) as Error;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.message).toContain('the worker exited with code 0');
    expect(error.message).toContain('does it call serveWorker?');
  });

  it('refuses a worker that has exited already', async () => {
    const worker = start('exit-at-once.js');
    await exited(worker);
    await expect(connectWorker(worker)).rejects.toThrow('the worker thread has exited');
  });

  it('connectChild takes a worker too', async () => {
    const worker = start('serve-worker.js');
    const remote = await connectChild<WorkerApi>(worker, { logger: false });
    expect(await remote.add(5, 5)).toBe(10);
    await close(remote);
  });
});

describe('the reverse: serveChild in the parent, connectParent in the worker', () => {
  it('serves the parent to its worker, which calls it and then exits', async () => {
    const worker = start('call-parent.js');
    const exit = exited(worker);
    const reports: unknown[] = [];
    const server = await serveChild(
      worker,
      {
        add: (x: number, y: number) => x + y,
        whereAmI: () => 'the parent',
        report: (value: unknown) => {
          reports.push(value);
        },
      },
      { logger: false },
    );
    expect(await exit).toBe(0);
    expect(reports).toEqual([{ sum: 5, where: 'the parent' }]);
    await server.close();
  });

  it('carries both directions at once, a connection each', async () => {
    const worker = start('relay.js');
    const server = await serveChild(
      worker,
      { add: (x: number, y: number) => x + y },
      { logger: false },
    );
    // The worker serves what it reaches in the parent: a call goes there and back again.
    const remote = await connectWorker<{ add(x: number, y: number): number }>(worker, {
      logger: false,
    });
    expect(await remote.add(20, 22)).toBe(42);
    expect(server.connections).toBe(1);
    await close(remote);
    await server.close();
  });
});

describe('a MessagePort pair in one thread', () => {
  it('serves on one end and connects from the other, offers and all', async () => {
    const { port1, port2 } = new MessageChannel();
    const server = await serveWorker(
      { twice: (x: number) => 2 * x },
      { port: port1, logger: false },
    );
    const first = await connectWorker<{ twice(x: number): number }>(port2, { logger: false });
    const second = await connectWorker<{ twice(x: number): number }>(port2, { logger: false });
    expect(await Promise.all([first.twice(2), second.twice(3)])).toEqual([4, 6]);
    expect(server.connections).toBe(2);
    await close(first);
    await close(second);
    await server.close();
    port1.close();
  });

  it('keeps to the window the server announced in its HELLO: calls past it wait, none is refused', async () => {
    const { port1, port2 } = new MessageChannel();
    let running = 0;
    let most = 0;
    const api = {
      slow: async (x: number) => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        return x;
      },
    };
    const server = await serveWorker(api, {
      port: port1,
      logger: false,
      limits: { maxInFlight: 2 },
    });
    const remote = await connectWorker<typeof api>(port2, { logger: false });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => remote.slow(i)));
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(most).toBe(2);
    await close(remote);
    await server.close();
    port1.close();
  });

  it('rejects serveWorker outside a worker without a port', async () => {
    await expect(serveWorker({ f: () => 1 })).rejects.toThrow('runs inside a worker thread');
  });
});
