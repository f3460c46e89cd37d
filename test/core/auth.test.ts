import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConnectionClosedError,
  close,
  connect,
  type Remote,
  type Server,
  serve,
} from '../../src/index.js';
import { captureLogger } from '../helpers/log.js';

const api = { add: (x: number, y: number) => x + y };

describe('authkey handshake', () => {
  const log = captureLogger();
  let server: Server;
  let open: Server;
  beforeAll(async () => {
    server = await serve(api, { listen: 'tcp://127.0.0.1:0', authkey: 'peekaboo', logger: log });
    open = await serve(api, { listen: 'tcp://127.0.0.1:0', logger: false });
  });
  afterAll(async () => {
    await server.close();
    await open.close();
  });

  it('lets the right key in, as a string or as bytes', async () => {
    const a = await connect<typeof api>(server.urls[0]!, { authkey: 'peekaboo' });
    const b = await connect<typeof api>(server.urls[0]!, { authkey: Buffer.from('peekaboo') });
    expect(await a.add(2, 3)).toBe(5);
    expect(await b.add(1, 1)).toBe(2);
    await close(a);
    await close(b);
  });

  it('refuses a wrong key with AuthenticationError, logs it, and keeps serving', async () => {
    const good = await connect<typeof api>(server.urls[0]!, { authkey: 'peekaboo' });
    await expect(connect(server.urls[0]!, { authkey: 'wrong' })).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    await expect(connect(server.urls[0]!)).rejects.toThrow(/requires an authkey/);
    expect(log.lines.some((l) => /authentication failed: .*wrong authkey proof/.test(l))).toBe(
      true,
    );
    expect(await good.add(20, 22)).toBe(42);
    const after = await connect<typeof api>(server.urls[0]!, { authkey: 'peekaboo' });
    expect(await after.add(1, 2)).toBe(3);
    await close(good);
    await close(after);
  });

  it('makes the server prove the key too: a keyless server cannot pass for a keyed one', async () => {
    await expect(connect(open.urls[0]!, { authkey: 'peekaboo' })).rejects.toThrow(
      AuthenticationError,
    );
  });

  it('warns when a server without a key listens beyond loopback', async () => {
    const warn = captureLogger();
    const wide = await serve(api, { listen: 'tcp://0.0.0.0:0', logger: warn });
    expect(warn.lines.join('\n')).toMatch(
      /WARNING: serving tcp:\/\/0\.0\.0\.0:\d+ without an authkey/,
    );
    const port = wide.urls[0]!.split(':').pop();
    const remote = await connect<typeof api>(`tcp://127.0.0.1:${port}`);
    expect(await remote.add(1, 1)).toBe(2);
    await close(remote);
    await wide.close();
    const quiet = captureLogger();
    const local = await serve(api, { listen: 'tcp://127.0.0.1:0', logger: quiet });
    expect(quiet.lines).toEqual([]);
    await local.close();
  });
});

describe('graceful close', () => {
  it('lets in-flight calls finish, refuses new ones, then closes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowApi = {
      slow: async () => {
        await gate;
        return 'done';
      },
      quick: () => 'quick',
    };
    const server = await serve(slowApi, { listen: 'tcp://127.0.0.1:0', logger: false });
    const remote = await connect<typeof slowApi>(server.urls[0]!);
    const inFlight = remote.slow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closing = server.close(5000);
    // Calls that arrive while the server drains are refused, not left hanging.
    await expect(remote.quick()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    release();
    expect(await inFlight).toBe('done');
    await closing;
    await expect(remote.quick()).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(connect(server.urls[0]!)).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('closes after the drain deadline even when a call never finishes', async () => {
    const hangApi = { hang: () => new Promise(() => {}) };
    const server = await serve(hangApi, { listen: 'tcp://127.0.0.1:0', logger: false });
    const remote: Remote<typeof hangApi> = await connect<typeof hangApi>(server.urls[0]!);
    const outcome = remote.hang().catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    await server.close(100);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await outcome).toBeInstanceOf(ConnectionClosedError);
  });

  it('serves unix sockets and removes a stale socket file', async () => {
    const path = `/tmp/farcall-test-${process.pid}.sock`;
    const first = await serve(api, { listen: `unix:${path}`, logger: false });
    expect(first.urls).toEqual([`unix:${path}`]);
    const remote = await connect<typeof api>(`unix:${path}`);
    expect(await remote.add(2, 3)).toBe(5);
    await close(remote);
    await first.close();
    const second = await serve(api, { listen: `unix:${path}`, logger: false });
    const again = await connect<typeof api>(`unix:${path}`);
    expect(await again.add(1, 2)).toBe(3);
    await expect(serve(api, { listen: `unix:${path}`, logger: false })).rejects.toThrow(/in use/);
    await close(again);
    await second.close();
  });

  it('serves IPv6 loopback and several addresses at once', async () => {
    const server = await serve(api, {
      listen: ['tcp://127.0.0.1:0', 'tcp://[::1]:0'],
      logger: false,
    });
    expect(server.urls[1]).toMatch(/^tcp:\/\/\[::1\]:\d+$/);
    for (const url of server.urls) {
      const remote = await connect<typeof api>(url);
      expect(await remote.add(3, 4)).toBe(7);
      await close(remote);
    }
    await server.close();
  });
});
