/**
 * One HTTP server under several endpoints (`http-host.ts`): HTTP and WebSocket on one port, even
 * on one path; and a user's own `http.Server`, attached to and given back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  type CallContext,
  close,
  connect,
  type Server,
  serve,
  UsageError,
  withContext,
} from '../../src/index.js';
import { resolveLimits } from '../../src/limits.js';
import { nodeProtocols } from '../../src/protocol/node-protocols.js';

const api = { add: (x: number, y: number) => x + y };
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function served(options: Parameters<typeof serve>[1]): Promise<Server> {
  const server = await serve(api, { logger: false, ...options });
  cleanups.push(() => server.close());
  return server;
}

async function add(url: string): Promise<unknown> {
  const remote = await connect<typeof api>(url);
  try {
    return await remote.add(2, 3);
  } finally {
    await close(remote);
  }
}

/** A user's server with a route of its own and, optionally, a WebSocket server of its own. */
async function userServer(): Promise<{ server: http.Server; base: string }> {
  const server = http.createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(`user: ${request.method} ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  );
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('one HTTP server for the http:// and ws:// endpoints of a serve', () => {
  it('binds one port for both, and both answer', async () => {
    const server = await served({ listen: ['http://127.0.0.1:0/rpc', 'ws://127.0.0.1:0/ws'] });
    const [httpUrl, wsUrl] = server.urls as [string, string];
    expect(new URL(httpUrl).port).toBe(new URL(wsUrl).port);
    expect(await add(httpUrl)).toBe(5);
    expect(await add(wsUrl)).toBe(5);
    // Other paths of that port: 404; a plain request to the WebSocket path: 426.
    expect((await fetch(httpUrl.replace('/rpc', '/nothing'), { method: 'POST' })).status).toBe(404);
    expect((await fetch(wsUrl.replace('ws:', 'http:'))).status).toBe(426);
  });

  it('shares a fixed port too, and one path can carry both (POST and upgrade)', async () => {
    const probe = await served({ listen: 'http://127.0.0.1:0/probe' });
    const port = new URL(probe.url).port;
    await probe.close();
    const server = await served({
      listen: [`http://127.0.0.1:${port}/rpc`, `ws://127.0.0.1:${port}/rpc`],
    });
    expect(server.urls).toEqual([`http://127.0.0.1:${port}/rpc`, `ws://127.0.0.1:${port}/rpc`]);
    expect(await add(server.urls[0]!)).toBe(5);
    expect(await add(server.urls[1]!)).toBe(5);
  });

  it('refuses two endpoints of one kind at one path, and http beside https on one port', async () => {
    await expect(
      serve(api, { listen: ['http://127.0.0.1:0/rpc', 'http://127.0.0.1:0/rpc'], logger: false }),
    ).rejects.toThrow(/two HTTP endpoints at \/rpc/);
    const error = await serve(api, {
      listen: ['ws://127.0.0.1:0/ws', 'wss://127.0.0.1:0/ws'],
      tls: { key: 'k', cert: 'c' },
      logger: false,
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/cannot share port/);
  });

  it('frees the port on close', async () => {
    const server = await serve(api, {
      listen: ['http://127.0.0.1:0/rpc', 'ws://127.0.0.1:0/ws'],
      logger: false,
    });
    const port = new URL(server.url).port;
    await server.close();
    const again = await served({ listen: `http://127.0.0.1:${port}/rpc` });
    expect(await add(again.url)).toBe(5);
  });
});

describe("serve's httpServer: attaching to a user's server", () => {
  it('routes only its paths, leaves the rest to the user, and gives the server back on close', async () => {
    const { server: user, base } = await userServer();
    const userWs = new WebSocketServer({ noServer: true });
    user.on('upgrade', (request, socket, head) => {
      if (request.url === '/chat')
        userWs.handleUpgrade(request, socket, head, (ws) => ws.send('hello'));
      else socket.destroy();
    });
    const server = await serve(api, {
      listen: ['http://localhost/rpc', 'ws://localhost/ws'],
      httpServer: user,
      logger: false,
    });
    const port = new URL(base).port;
    expect(server.urls).toEqual([`http://127.0.0.1:${port}/rpc`, `ws://127.0.0.1:${port}/ws`]);
    expect(await add(server.urls[0]!)).toBe(5);
    expect(await add(server.urls[1]!)).toBe(5);
    // The user's own routes, HTTP and WebSocket, are the user's.
    expect(await (await fetch(`${base}/page`)).text()).toBe('user: GET /page');
    const greeting = await new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`);
      ws.on('message', (data) => {
        resolve(String(data));
        ws.close();
      });
      ws.on('error', reject);
    });
    expect(greeting).toBe('hello');

    await server.close();
    // Detached: the server still listens, and /rpc is the user's again.
    expect(user.listening).toBe(true);
    expect(await (await fetch(`${base}/rpc`, { method: 'POST' })).text()).toBe('user: POST /rpc');
    expect(user.listeners('request')).toHaveLength(1);
    expect(user.listeners('upgrade')).toHaveLength(1);
  });

  it('refuses what is not a node:http server', async () => {
    await expect(
      serve(api, { listen: 'http://localhost/rpc', httpServer: {} as http.Server, logger: false }),
    ).rejects.toThrow(UsageError);
  });
});

describe('a client that goes away', () => {
  it("aborts its call's signal when its connection closes before the answer", async () => {
    let aborted: (reason: unknown) => void = () => {};
    const gone = new Promise((resolve) => {
      aborted = resolve;
    });
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const waiting = {
      add: (x: number, y: number) => x + y,
      wait: withContext(
        (call: CallContext) =>
          new Promise((_, reject) => {
            started();
            call.signal.addEventListener('abort', () => {
              aborted(call.signal.reason);
              reject(call.signal.reason);
            });
          }),
      ),
    };
    const server = await serve(waiting, { listen: 'http://127.0.0.1:0/rpc', logger: false });
    cleanups.push(() => server.close());
    const protocol = await nodeProtocols.load('farcall');
    const codec = protocol.codecs!({
      role: 'client',
      limits: resolveLimits(),
      authkey: undefined,
      references: false,
      answers: false,
      python: undefined,
    }).caller!;
    const body = codec.writeBatch!([codec.writeCall({ id: 1, method: 'wait', args: [] })]);
    const request = http.request(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-msgpack', 'content-length': body.length },
    });
    request.on('error', () => {});
    request.end(body);
    await running;
    request.destroy();
    expect(await gone).toBeDefined();
    // The server answers others.
    expect(await add(server.url)).toBe(5);
  });
});
