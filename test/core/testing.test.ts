/**
 * `farcall/testing`: an api served in memory, with faults on demand, as a user's own tests would
 * use it; and what the session does under each fault.
 */
import { describe, expect, it } from 'vitest';
import { ConnectionClosedError, TimeoutError, withOptions } from '../../src/index.js';
import { memoryConnect } from '../../src/testing.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function makeApi() {
  let runs = 0;
  return {
    api: {
      echo: (x: unknown) => x,
      slow: async (ms: number, value: unknown) => {
        await sleep(ms);
        return value;
      },
      count: () => ++runs,
    },
    runs: () => runs,
  };
}

describe('memoryConnect', () => {
  it('serves and calls without a socket, with the authkey handshake', async () => {
    const { api } = makeApi();
    const { remote, close } = await memoryConnect<typeof api>(api, { serve: { authkey: 'k' } });
    expect(await remote.echo('hi')).toBe('hi');
    await close();
  });

  it('delay: answers still come, each to its caller, in the order they finish', async () => {
    const { api } = makeApi();
    const { remote, close } = await memoryConnect<typeof api>(api, {
      faults: { delay: (i) => (i % 3) * 5 },
    });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => remote.echo(i)));
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => i));
    await close();
  });

  it('drop: a dropped call fails at its timeout; the next call goes through', async () => {
    const { api } = makeApi();
    const { remote, client, close } = await memoryConnect<typeof api>(api);
    client.faults.drop = () => true;
    await expect(withOptions(remote, { timeout: 50 }).echo(1)).rejects.toBeInstanceOf(TimeoutError);
    client.faults.drop = undefined;
    expect(await remote.echo(2)).toBe(2);
    await close();
  });

  it('duplicate: a duplicated answer is dropped; the caller sees one answer', async () => {
    const { api } = makeApi();
    const { remote, serverEnd, close } = await memoryConnect<typeof api>(api);
    serverEnd.faults.duplicate = 1;
    expect(await Promise.all([remote.echo('a'), remote.echo('b')])).toEqual(['a', 'b']);
    serverEnd.faults.duplicate = undefined;
    expect(await remote.echo('c')).toBe('c');
    await close();
  });

  it('duplicate: a call duplicated while it runs is refused the second time, run once', async () => {
    const { api, runs } = makeApi();
    const { remote, client, close } = await memoryConnect<typeof api>(api);
    client.faults.duplicate = 1;
    expect(await remote.slow(20, 'once')).toBe('once');
    client.faults.duplicate = undefined;
    expect(await remote.count()).toBe(runs());
    expect(runs()).toBe(1);
    await close();
  });

  it('reorder: answers that arrive out of order still reach their callers', async () => {
    const { api } = makeApi();
    const { remote, serverEnd, close } = await memoryConnect<typeof api>(api);
    serverEnd.faults.reorder = 0.5;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => remote.echo(i)));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await close();
  });

  it('cut: every pending call fails at once with ConnectionClosedError, not requested', async () => {
    const { api } = makeApi();
    const { remote, client, close } = await memoryConnect<typeof api>(api);
    const calls = [remote.slow(10_000, 1), remote.slow(10_000, 2)];
    await sleep(10);
    client.cut();
    for (const result of await Promise.allSettled(calls)) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error.requested).toBe(false);
    }
    await close();
  });

  it('cutAfter: the connection fails once that many frames were sent', async () => {
    const { api } = makeApi();
    const { remote, client, close } = await memoryConnect<typeof api>(api);
    client.faults.cutAfter = 0; // counted from the start, and the opening is past: the next send cuts
    await expect(remote.echo(1)).rejects.toBeInstanceOf(ConnectionClosedError);
    await close();
  });

  it('end: a half-close from the client still gets its calls in flight answered', async () => {
    const { api } = makeApi();
    const { remote, client, close } = await memoryConnect<typeof api>(api);
    const call = remote.slow(30, 'still answered');
    await sleep(5);
    client.end();
    expect(await call).toBe('still answered');
    await close();
  });
});

describe('batches of many calls', () => {
  it('500 calls in one HTTP POST: every answer read, the reader one level deep per message', async () => {
    const { serve, connect, close } = await import('../../src/index.js');
    const server = await serve(
      { echo: (x: unknown) => x },
      { listen: 'http://127.0.0.1:0/rpc', logger: false },
    );
    const remote = await connect<{ echo(x: number): number }>(server.url, { logger: false });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => remote.echo(i)));
    expect(results).toEqual(Array.from({ length: 500 }, (_, i) => i));
    await close(remote);
    await server.close();
  });
});
