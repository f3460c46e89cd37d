/**
 * Many servers behind one NATS subject, each a `farcall serve` process: they share the calls
 * (every call answered exactly once), a server SIGKILLed mid-load costs only the calls it held,
 * which fail at once with a clear error (a server that hangs instead: at their deadline), and a
 * server stopped gracefully loses nothing. With no server left, a call fails at once with "no
 * responders".
 */
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  close,
  connect,
  TimeoutError,
  withOptions,
} from '../../src/index.js';
import { assertBuilt, killServers, type Served, startServe } from '../cli/helpers.js';
import { type NatsServer, natsServerAvailable, startNatsServer } from '../helpers/nats-server.js';

const WORKER = new URL('fixtures/worker.js', import.meta.url).pathname;
const haveNats = natsServerAvailable();

interface Answer {
  id: number;
  pid: number;
}
interface Api {
  work(id: number): Answer;
  slow(ms: number, id: number): Answer;
}

/** The ids a server logged for `what` (`ran`, `got`). */
function logged(server: Served, what: 'ran' | 'got'): number[] {
  return [...server.stdout().matchAll(new RegExp(`^${what} (\\d+)$`, 'gm'))].map((m) =>
    Number(m[1]),
  );
}

describe.skipIf(!haveNats)('three servers in one queue group', () => {
  let nats: NatsServer;
  let url: string;
  let servers: Served[];
  let remote: Awaited<ReturnType<typeof connect<Api>>>;

  beforeAll(async () => {
    assertBuilt();
    nats = await startNatsServer();
    url = nats.url('jobs');
    servers = [];
    for (let i = 0; i < 3; i++) servers.push(await startServe([WORKER, '--listen', url]));
    remote = await connect<Api>(url, { logger: false, timeout: 10_000 });
  });
  afterAll(async () => {
    await close(remote);
    killServers();
    await nats?.stop();
  });

  it('share 3,000 calls: each server answers some, every call is answered exactly once', async () => {
    const answers: Answer[] = [];
    // In waves of 200, so that no server is past its window (limits.maxInFlight).
    for (let wave = 0; wave < 15; wave++) {
      const ids = Array.from({ length: 200 }, (_, i) => wave * 200 + i);
      answers.push(...(await Promise.all(ids.map((id) => remote.work(id)))));
    }
    expect(answers.map((a) => a.id)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    const pids = servers.map((s) => s.child.pid);
    const byServer = pids.map((pid) => answers.filter((a) => a.pid === pid).length);
    expect(byServer.every((count) => count > 0)).toBe(true);
    expect(byServer.reduce((a, b) => a + b)).toBe(3000);
    // What the servers ran: each id once, on the server that answered it. A server logs before
    // it answers, but its log comes through a pipe that may be read after the answer.
    await expect
      .poll(() => servers.flatMap((s) => logged(s, 'ran')).length, { timeout: 5000 })
      .toBe(3000);
    const ran = servers.flatMap((s) => logged(s, 'ran'));
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    for (const [i, server] of servers.entries()) {
      const mine = answers.filter((a) => a.pid === pids[i]).map((a) => a.id);
      expect(logged(server, 'ran').sort((a, b) => a - b)).toEqual(mine);
    }
  });

  it('a server SIGKILLed mid-load fails only the calls it held, at once, with a clear error', async () => {
    const [killed, ...rest] = servers as [Served, Served, Served];
    // A plain NATS client sees the notices servers send for calls that run a while.
    const notices = new Map<string, number>();
    const watcher = await natsConnect({ servers: `127.0.0.1:${nats.port}` });
    watcher.subscribe('_INBOX.>', {
      callback: (_error, msg) => {
        if (msg.headers?.get('farcall-status') !== '102') return;
        const server = msg.headers.get('farcall-server');
        notices.set(server, (notices.get(server) ?? 0) + 1);
      },
    });
    await watcher.flush();
    const base = 10_000;
    const calls = Array.from({ length: 300 }, (_, i) =>
      withOptions(remote, { timeout: 15_000 }).slow(4000, base + i),
    );
    // Once every call has had its notice, each server is known to its client: kill one.
    const noticed = () => [...notices.values()].reduce((a, b) => a + b, 0);
    await expect.poll(noticed, { timeout: 10_000 }).toBe(300);
    expect(notices.size).toBe(3);
    await killed.stop('SIGKILL');
    const held = logged(killed, 'got').length;
    const outcomes = await Promise.allSettled(calls);
    await watcher.close();
    const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason as Error);
    const answered = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    expect(held).toBeGreaterThan(0);
    expect(failed.length).toBe(held);
    for (const error of failed) {
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error.message).toMatch(
        /the server that took the call on 'jobs' \(jobs\.\w+\) is gone: NATS has no responder for it/,
      );
    }
    expect(answered.length + failed.length).toBe(300);
    expect(answered.every((a) => a.pid !== killed.child.pid)).toBe(true);
    // The rest go on: new calls are shared by the two servers left.
    const after = await Promise.all(Array.from({ length: 300 }, (_, i) => remote.work(20_000 + i)));
    const alive = new Set(rest.map((s) => s.child.pid));
    expect(after.every((a) => alive.has(a.pid))).toBe(true);
  });

  it('a call on a server that hangs fails with TimeoutError at its deadline', async () => {
    // A server of its own subject, frozen (SIGSTOP) once its calls run: it stays subscribed,
    // so NATS cannot tell it from a slow one, and only the calls' deadline ends them.
    const frozenUrl = nats.url('jobs.frozen');
    const frozen = await startServe([WORKER, '--listen', frozenUrl]);
    const client = await connect<Api>(frozenUrl, { logger: false });
    try {
      const calls = Array.from({ length: 20 }, (_, i) =>
        withOptions(client, { timeout: 1500 }).slow(60_000, 25_000 + i),
      );
      await expect.poll(() => logged(frozen, 'got').length, { timeout: 10_000 }).toBe(20);
      frozen.child.kill('SIGSTOP');
      for (const outcome of await Promise.allSettled(calls)) {
        expect(outcome.status).toBe('rejected');
        const error = (outcome as PromiseRejectedResult).reason as Error;
        expect(error).toBeInstanceOf(TimeoutError);
        expect(error.message).toMatch(/call to 'slow' on nats:.* timed out after 1500 ms/);
      }
    } finally {
      await close(client);
      await frozen.stop('SIGKILL');
    }
  });

  it('a server stopped gracefully answers the calls it took: none is lost', async () => {
    const [, drained, last] = servers as [Served, Served, Served];
    const base = 30_000;
    const calls = Array.from({ length: 300 }, (_, i) => remote.slow(1000, base + i));
    await expect.poll(() => logged(drained, 'got').length, { timeout: 10_000 }).toBeGreaterThan(0);
    const exit = drained.stop('SIGTERM');
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.id)).toEqual(Array.from({ length: 300 }, (_, i) => base + i));
    // The stopped server finished what it had taken.
    const fromDrained = answers.filter((a) => a.pid === drained.child.pid).map((a) => a.id);
    expect(fromDrained.length).toBeGreaterThan(0);
    expect(fromDrained.sort()).toEqual(
      logged(drained, 'got')
        .filter((id) => id >= base)
        .sort(),
    );
    expect(await exit).toBe(0);
    const after = await Promise.all(Array.from({ length: 50 }, (_, i) => remote.work(40_000 + i)));
    expect(after.every((a) => a.pid === last.child.pid)).toBe(true);
  });

  it('with no server left, a call fails at once with a "no responders" error', async () => {
    const last = servers[2]!;
    expect(await last.stop('SIGTERM')).toBe(0);
    const error = await withOptions(remote, { timeout: 0 })
      .work(1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toMatch(/no farcall server serves 'jobs' .*no responders/);
    await expect(connect<Api>(url, { logger: false })).rejects.toThrow(/no responders/);
  });
});
