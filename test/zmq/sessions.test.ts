/**
 * Connections over ZeroMQ, which has no per-peer connection to close: a server that restarts,
 * clients that go quiet or say goodbye, and the errors of dialling and of URLs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  type CallContext,
  ConnectionClosedError,
  close,
  connect,
  type Server,
  serve,
  UsageError,
  withContext,
  withOptions,
} from '../../src/index.js';
import { captureLogger } from '../helpers/log.js';
import { pack, unpack } from '../helpers/msgpack-bytes.js';
import { type Child, startServer } from './children.js';
import { rawDealer, texts } from './raw-peer.js';

const api = { add: (x: number, y: number) => x + y };
type Api = typeof api;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function portOf(url: string): number {
  return Number(/:(\d+)$/.exec(url)![1]);
}

describe('one connection over a DEALER', () => {
  it('carries callbacks to the client (call.caller) and cancellation by signal', async () => {
    let aborted = 0;
    const server = await serve(
      {
        twice: withContext(async (call: CallContext<{ double(x: number): number }>, x: number) => {
          return (await call.caller.double(x)) + 1;
        }),
        hang: withContext(
          (call: CallContext) =>
            new Promise((_, reject) =>
              call.signal.addEventListener('abort', () => {
                aborted++;
                reject(call.signal.reason);
              }),
            ),
        ),
      },
      { listen: 'zmq+tcp://127.0.0.1:0', logger: false },
    );
    cleanup.push(() => server.close(0));
    const remote = await connect<{ twice(x: number): number; hang(): never }>(server.url, {
      logger: false,
      expose: { double: (x: number) => 2 * x },
    });
    cleanup.push(() => close(remote));
    expect(await Promise.all([remote.twice(1), remote.twice(20)])).toEqual([3, 41]);
    const controller = new AbortController();
    const hung = withOptions(remote, { signal: controller.signal }).hang();
    // The call has reached the server before it is aborted: wait for a round trip after it.
    expect(await remote.twice(0)).toBe(1);
    controller.abort();
    await expect(hung).rejects.toBeInstanceOf(AbortError);
    await expect.poll(() => aborted, { timeout: 5000 }).toBe(1);
  });
});

describe('a server that restarts', () => {
  it('fails the calls of a connected client with ConnectionClosedError, and a new connect works', async () => {
    const first: Child & { url: string } = await startServer('zmq+tcp://127.0.0.1:0');
    cleanup.push(() => first.kill());
    const remote = await connect<Api>(first.url, { logger: false, timeout: 10_000 });
    cleanup.push(() => close(remote));
    expect(await remote.add(1, 2)).toBe(3);

    first.kill(); // SIGKILL: no goodbye, the TCP connection just drops
    const second = await startServer(`zmq+tcp://127.0.0.1:${portOf(first.url)}`);
    cleanup.push(() => second.kill());
    expect(second.url).toBe(first.url);

    const error = await remote.add(2, 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as ConnectionClosedError).requested).toBe(false);

    const again = await connect<Api>(second.url, { logger: false, timeout: 10_000 });
    cleanup.push(() => close(again));
    expect(await again.add(2, 3)).toBe(5);
  });

  it('tells its clients when it closes gracefully: their calls fail at once', async () => {
    const server = await serve(api, { listen: 'zmq+tcp://127.0.0.1:0', logger: false });
    const remote = await connect<Api>(server.url, { logger: false });
    cleanup.push(() => close(remote));
    expect(await remote.add(1, 1)).toBe(2);
    await server.close();
    const error = await remote.add(1, 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    // The server's close and the end of its TCP connection race: either says what happened.
    expect((error as Error).message).toMatch(/ended the connection: closed by the server|was lost/);
  });
});

describe('clients that go away', () => {
  let server: Server;
  afterEach(() => server?.close(0));

  it('forgets a client that says nothing for limits.idleTimeoutMs, and keeps one that pings', async () => {
    const logger = captureLogger();
    server = await serve(api, {
      listen: 'zmq+tcp://127.0.0.1:0',
      logger,
      limits: { idleTimeoutMs: 400 },
    });
    // An honest client pings at a third of the idle time the server announced.
    const remote = await connect<Api>(server.url, { logger: false });
    cleanup.push(() => close(remote));
    // A raw one opens, then goes quiet.
    const quiet = rawDealer(server.url);
    cleanup.push(() => quiet.close());
    await quiet.send('', pack([0, 'farcall', 1, { role: 'client' }]));
    expect((unpack((await quiet.next())[1]!) as unknown[])[0]).toBe(0);
    expect(server.connections).toBe(2);

    const [word, reason] = texts(await quiet.next(10_000));
    expect([word, reason]).toEqual(['farcall:close', 'closed by the server']);
    expect(server.connections).toBe(1);
    expect(logger.lines.some((line) => /sent nothing for 400 ms/.test(line))).toBe(true);
    // The server forgot it: a frame from it now is from an unknown client.
    await quiet.send('', pack([1, 1, 'add', [1, 1]]));
    expect(texts(await quiet.next())[1]).toMatch(/^unknown session/);
    // The pinging client is still served.
    expect(await remote.add(20, 22)).toBe(42);
  });

  it('forgets a client that closes at once (its goodbye)', async () => {
    server = await serve(api, { listen: 'zmq+tcp://127.0.0.1:0', logger: false });
    const remotes = await Promise.all(
      Array.from({ length: 5 }, () => connect<Api>(server.url, { logger: false })),
    );
    expect(await Promise.all(remotes.map((r, i) => r.add(i, 1)))).toEqual([1, 2, 3, 4, 5]);
    expect(server.connections).toBe(5);
    await Promise.all(remotes.map((r) => close(r)));
    await expect.poll(() => server.connections, { timeout: 5000 }).toBe(0);
  });
});

describe('dialling and URLs', () => {
  it('fails to connect at once, with ConnectionClosedError, where nothing listens', async () => {
    // Port 1: nothing listens there, and, outside the ephemeral range, no socket can connect
    // to itself on it (a freed ephemeral port can, or be taken by another test meanwhile).
    const url = 'zmq+tcp://127.0.0.1:1';
    await expect(connect(url, { logger: false })).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(connect(`${url}?exchange`, { logger: false })).rejects.toBeInstanceOf(
      ConnectionClosedError,
    );
  });

  it('refuses a taken port with the bind error', async () => {
    const server = await serve(api, { listen: 'zmq+tcp://127.0.0.1:0', logger: false });
    cleanup.push(() => server.close());
    await expect(serve(api, { listen: server.url, logger: false })).rejects.toThrow(/in use/i);
  });

  it('refuses URLs and options it cannot carry with UsageError', async () => {
    for (const url of ['zmq+tcp://127.0.0.1', 'zmq+tcp://[::1]:5555', 'zmq+tcp://h:1?both']) {
      await expect(connect(url)).rejects.toBeInstanceOf(UsageError);
    }
    await expect(connect('zmq+tcp://127.0.0.1:5555?connect')).rejects.toThrow(/for serve/);
    await expect(serve(api, { listen: 'zmq+tcp://127.0.0.1:0?exchange' })).rejects.toThrow(
      /for connect/,
    );
    await expect(
      serve(api, { listen: 'zmq+tcp://127.0.0.1:0', protocol: 'python', authkey: 'k' }),
    ).rejects.toThrow(/no authkey handshake/);
    await expect(
      connect('zmq+tcp://127.0.0.1:5555?exchange', { protocol: 'python' }),
    ).rejects.toThrow(/farcall protocol only/);
  });
});
