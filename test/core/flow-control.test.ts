/**
 * Flow control belongs to the protocol: each end announces its window in HELLO, the caller holds
 * calls past it, and reading never stops for admission. The deadlock this prevents: a handler
 * that calls its caller back while the caller's calls fill the window; if reading stopped at the
 * window, the answer the handler waits for would never be read.
 */
import { describe, expect, it } from 'vitest';
import { type CallContext, close, connect, serve, withContext } from '../../src/index.js';
import { memorySessions } from '../helpers/memory-session.js';

interface ClientApi {
  double(x: number): number;
}

const clientApi: ClientApi = { double: (x: number) => 2 * x };

const serverApi = {
  /** Calls the client back before it answers. */
  twice: withContext(async (call: CallContext<ClientApi>, x: number) => {
    return (await call.caller.double(x)) + 1;
  }),
};

describe('a handler that calls its caller back', () => {
  it('completes at maxInFlight: 1 on both ends (memory)', async () => {
    const { remote, client } = await memorySessions(serverApi, {
      limits: { maxInFlight: 1 },
      expose: clientApi,
    });
    const r = remote as { twice(x: number): Promise<number> };
    expect(await Promise.all([r.twice(1), r.twice(2), r.twice(3)])).toEqual([3, 5, 7]);
    await client.close();
  });

  it('completes with the default window and 1,100 such calls at once (memory)', async () => {
    const { remote, client } = await memorySessions(serverApi, { expose: clientApi });
    const r = remote as { twice(x: number): Promise<number> };
    const results = await Promise.all(Array.from({ length: 1100 }, (_, i) => r.twice(i)));
    expect(results).toEqual(Array.from({ length: 1100 }, (_, i) => 2 * i + 1));
    await client.close();
  });

  it('completes with the default window and 1,100 such calls at once (tcp)', async () => {
    const server = await serve(serverApi, { listen: 'tcp://127.0.0.1:0', logger: false });
    const remote = await connect<typeof serverApi>(server.url, {
      expose: clientApi,
      logger: false,
    });
    const results = await Promise.all(Array.from({ length: 1100 }, (_, i) => remote.twice(i)));
    expect(results).toEqual(Array.from({ length: 1100 }, (_, i) => 2 * i + 1));
    await close(remote);
    await server.close();
  });

  it('completes at maxInFlight: 1 on both ends (ws)', async () => {
    const limits = { maxInFlight: 1 };
    const server = await serve(serverApi, {
      listen: 'ws://127.0.0.1:0/rpc',
      logger: false,
      limits,
    });
    const remote = await connect<typeof serverApi>(server.url, {
      expose: clientApi,
      logger: false,
      limits,
    });
    expect(await Promise.all([remote.twice(10), remote.twice(20)])).toEqual([21, 41]);
    await close(remote);
    await server.close();
  });

  it('gets a METHOD_NOT_FOUND answer from a client that exposes nothing', async () => {
    const server = await serve(serverApi, { listen: 'tcp://127.0.0.1:0', logger: false });
    const remote = await connect<typeof serverApi>(server.url, { logger: false });
    await expect(remote.twice(1)).rejects.toMatchObject({ code: 'METHOD_NOT_FOUND' });
    await close(remote);
    await server.close();
  });

  it('over HTTP, call.caller refuses with a UsageError instead of hanging', async () => {
    const server = await serve(serverApi, { listen: 'http://127.0.0.1:0/rpc', logger: false });
    const remote = await connect<typeof serverApi>(server.url, { logger: false });
    await expect(remote.twice(1)).rejects.toMatchObject({ name: 'UsageError' });
    await close(remote);
    await server.close();
  });
});
