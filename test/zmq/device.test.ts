/**
 * Several farcall servers behind one ZeroMQ device (examples/zeromq/device.js, the few lines the
 * docs show): servers serve on the device's back end with `?connect`, clients dial its front end
 * with `?exchange`, and the device hands each request to the next server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  close,
  connect,
  serve,
  TimeoutError,
  withOptions,
} from '../../src/index.js';
import { device } from '../../src/zeromq.js';
import { type Child, startNode, startServer } from './children.js';

type Api = {
  whoami(i: number): [string, number];
  slow(ms: number, value: number): [string, number];
  add(x: number, y: number): number;
};

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** The example device in a process of its own, and its two URLs. */
async function startDevice(): Promise<{ clients: string; servers: string }> {
  const child = startNode(['examples/zeromq/device.js', '0', '0']);
  cleanup.push(() => child.kill());
  const [, clients] = await child.waitFor(/^clients connect to (\S+)$/m);
  const [, servers] = await child.waitFor(/^servers serve on (\S+)$/m);
  return { clients: clients!, servers: servers! };
}

async function startServers(url: string, names: string[]): Promise<Child[]> {
  const servers = await Promise.all(names.map((name) => startServer(url, 'farcall', name)));
  for (const server of servers) cleanup.push(() => server.kill());
  return servers;
}

/** Runs `count` calls, at most `parallel` at once; each settles to its value or its error. */
async function load<T>(
  count: number,
  parallel: number,
  call: (i: number) => Promise<T>,
  onSettled?: (settled: number) => void,
): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  let settled = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await call(i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
      onSettled?.(++settled);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

describe('three servers behind the example device', () => {
  it('share 3,000 calls: each server answers some, every call is answered exactly once', async () => {
    const { clients, servers } = await startDevice();
    const children = await startServers(servers, ['a', 'b', 'c']);
    const remote = await connect<Api>(clients, { logger: false, timeout: 20_000 });
    cleanup.push(() => close(remote));

    const results = await load(3000, 50, (i) => remote.whoami(i));
    const answers = results.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
    expect(answers.map(([, i]) => i)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    const byServer = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (const [name] of answers) byServer[name]!++;
    expect(Object.values(byServer).every((n) => n > 0)).toBe(true);
    // Each server ran exactly the calls it answered: none twice, none lost.
    const ran = await Promise.all(children.map((child) => child.stop()));
    expect(ran).toEqual([byServer.a, byServer.b, byServer.c]);
  });

  it('goes on when one is killed mid-load: only its calls fail, at their deadline', async () => {
    const { clients, servers } = await startDevice();
    const [, b] = await startServers(servers, ['a', 'b', 'c']);
    // One request per call, each 100 ms on its server: about ten are on b when it is killed.
    const connected = await connect<Api>(clients, { logger: false, transport: { batch: false } });
    cleanup.push(() => close(connected));
    const remote = withOptions(connected, { timeout: 2000 });

    let killedAt = -1;
    const results = await load(
      600,
      30,
      (i) => remote.slow(100, i),
      (settled) => {
        if (settled === 150) {
          killedAt = settled;
          b!.kill();
        }
      },
    );
    expect(killedAt).toBe(150);
    const failed = results.filter((r) => r.status === 'rejected');
    const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(failed.length).toBeGreaterThan(0);
    for (const failure of failed) expect(failure.reason).toBeInstanceOf(TimeoutError);
    // The calls in flight on b when it died are at most the calls in flight at all.
    expect(failed.length).toBeLessThanOrEqual(30);
    expect(answered.length + failed.length).toBe(600);
    // After the kill, the others took all the calls.
    const late = answered.filter(([, i]) => i >= 300);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every(([name]) => name !== 'b')).toBe(true);
    expect(new Set(late.map(([name]) => name))).toEqual(new Set(['a', 'c']));
  });

  it('when one closes gracefully mid-load, answers every call it ran', async () => {
    const { clients, servers } = await startDevice();
    const [, b] = await startServers(servers, ['a', 'b', 'c']);
    const connected = await connect<Api>(clients, { logger: false, transport: { batch: false } });
    cleanup.push(() => close(connected));
    const remote = withOptions(connected, { timeout: 3000 });
    let ranOnB: Promise<number> | undefined;
    const results = await load(
      600,
      30,
      (i) => remote.slow(20, i),
      (settled) => {
        if (settled === 150) ranOnB = b!.stop(); // SIGTERM: server.close(2000)
      },
    );
    const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    // What b had taken it finished and answered: none of the calls it ran is lost.
    expect(await ranOnB).toBe(answered.filter(([name]) => name === 'b').length);
    expect(answered.length + failed.length).toBe(600);
    // A request that reached b while it drained did not run, and says so; one on its way to b
    // as its socket closed is lost in the device (a queue device does not know its servers),
    // and fails at its deadline. Either way, only calls in flight at that moment.
    expect(failed.length).toBeLessThanOrEqual(30);
    for (const error of failed) {
      if (error instanceof TimeoutError) continue;
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect((error as Error).message).toMatch(/the server is closing; the calls did not run/);
    }
  });

  it('refuses a session (no ?exchange) clearly: the second server does not know it', async () => {
    const { clients, servers } = await startDevice();
    await startServers(servers, ['a', 'b']);
    const session = `${clients.replace(/\?exchange$/, '')}`;
    const remote = await connect<Api>(session, { logger: false, timeout: 5000 });
    cleanup.push(() => close(remote));
    let error: unknown;
    for (let i = 0; i < 4 && error === undefined; i++) {
      error = await remote.add(1, i).then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toMatch(/unknown session.*connect with \?exchange/);
  });
});

describe('device() from farcall/zeromq', () => {
  it('puts two in-process servers behind one address', async () => {
    const front = await device({
      frontend: 'zmq+tcp://127.0.0.1:0',
      backend: 'zmq+tcp://127.0.0.1:0',
    });
    cleanup.push(() => front.close());
    const names = ['x', 'y'];
    const servers = await Promise.all(
      names.map((name) =>
        serve(
          { whoami: (i: number) => [name, i] },
          { listen: `${front.backend}?connect`, logger: false },
        ),
      ),
    );
    for (const server of servers) cleanup.push(() => server.close());
    const remote = await connect<Api>(`${front.frontend}?exchange`, { logger: false });
    cleanup.push(() => close(remote));
    // One call at a time: calls made in one turn would travel in one request, to one server.
    const answers: [string, number][] = [];
    for (let i = 0; i < 40; i++) answers.push(await remote.whoami(i));
    expect(answers.map(([, i]) => i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(new Set(answers.map(([name]) => name))).toEqual(new Set(names));
    // Without batching, calls of one turn leave one request each, and spread too.
    const unbatched = await connect<Api>(`${front.frontend}?exchange`, {
      logger: false,
      transport: { batch: false },
    });
    cleanup.push(() => close(unbatched));
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => unbatched.whoami(i)));
    expect(new Set(burst.map(([name]) => name))).toEqual(new Set(names));
  });

  it('a server whose device is not there fails to serve, with ConnectionClosedError', async () => {
    // Port 1: nothing listens there, and, outside the ephemeral range, no socket can connect
    // to itself on it (a freed ephemeral port can, or be taken by another test meanwhile).
    const backend = 'zmq+tcp://127.0.0.1:1';
    await expect(
      serve({ f: () => 1 }, { listen: `${backend}?connect`, logger: false }),
    ).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});
