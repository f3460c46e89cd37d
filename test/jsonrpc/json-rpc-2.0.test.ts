/**
 * JSON-RPC against a library no one here wrote, `json-rpc-2.0`: its client calling a farcall
 * server over HTTP and WebSocket, and a farcall client calling its server over both; on a
 * WebSocket each side also calls the other on the same connection.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  JSONRPCClient,
  JSONRPCErrorException,
  type JSONRPCResponse,
  JSONRPCServer,
  JSONRPCServerAndClient,
} from 'json-rpc-2.0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  type CallContext,
  close,
  connect,
  ErrorCode,
  notify,
  RemoteError,
  type Server,
  serve,
  withContext,
} from '../../src/index.js';

const recorded: unknown[] = [];
const farcallApi = {
  add: (x: number, y: number) => x + y,
  greet: ({ name }: { name: string }) => `hello ${name}`,
  ping: () => 'pong',
  record: (value: unknown) => {
    recorded.push(value);
  },
  fail: () => {
    throw new TypeError('unsupported operand');
  },
  math: { mul: async (x: number, y: number) => x * y },
  /** Calls back the client that called it, on the same WebSocket. */
  askDouble: withContext(async (call: CallContext<{ double(n: number): number }>, n: number) =>
    call.caller.double(n),
  ),
};

/** A json-rpc-2.0 client that posts to `url` with fetch, as its README does. */
function httpClient(url: string, createID?: () => string): JSONRPCClient {
  const client: JSONRPCClient = new JSONRPCClient(async (request) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (response.status === 200) client.receive((await response.json()) as JSONRPCResponse);
    else if (response.status !== 204) throw new Error(`HTTP ${response.status}`);
  }, createID);
  return client;
}

/** What `request` rejected with. */
async function failure(promise: PromiseLike<unknown>): Promise<JSONRPCErrorException> {
  try {
    await promise;
  } catch (error) {
    return error as JSONRPCErrorException;
  }
  throw new Error('it resolved');
}

describe("json-rpc-2.0's client calling a farcall server over HTTP", () => {
  let server: Server;
  let client: JSONRPCClient;
  beforeAll(async () => {
    server = await serve(farcallApi, {
      listen: 'http://127.0.0.1:0/rpc',
      protocol: 'jsonrpc',
      logger: false,
    });
    client = httpClient(server.url);
  });
  afterAll(() => server.close());

  it('calls with positional params, by-name params and none', async () => {
    expect(await client.request('add', [2, 3])).toBe(5);
    expect(await client.request('greet', { name: 'ada' })).toBe('hello ada');
    expect(await client.request('ping', undefined)).toBe('pong');
    expect(await client.request('math.mul', [4, 5])).toBe(20);
  });

  it('uses string ids, echoed as strings', async () => {
    let n = 0;
    const named = httpClient(server.url, () => `call-${++n}`);
    const response = await named.requestAdvanced({
      jsonrpc: '2.0',
      id: 'call-x',
      method: 'add',
      params: [1, 1],
    });
    expect(response).toStrictEqual({ jsonrpc: '2.0', id: 'call-x', result: 2 });
    expect(await named.request('add', [2, 2])).toBe(4);
  });

  it("sees the error's code, message and class name", async () => {
    const error = await failure(client.request('fail', undefined));
    expect(error).toBeInstanceOf(JSONRPCErrorException);
    expect(error.code).toBe(-32000);
    expect(error.message).toBe('unsupported operand');
    expect(error.data).toStrictEqual({ name: 'TypeError' });
    expect((await failure(client.request('nosuch', undefined))).code).toBe(-32601);
  });

  it('sends notifications, run without an answer', async () => {
    client.notify('record', ['from json-rpc-2.0']);
    await expect.poll(() => recorded.includes('from json-rpc-2.0')).toBe(true);
  });

  it('sends a batch and gets each answer by its id', async () => {
    const responses = await client.requestAdvanced([
      { jsonrpc: '2.0', id: 1, method: 'add', params: [1, 2] },
      { jsonrpc: '2.0', method: 'record', params: ['batched'] },
      { jsonrpc: '2.0', id: 2, method: 'fail' },
    ]);
    expect(responses).toStrictEqual([
      { jsonrpc: '2.0', id: 1, result: 3 },
      {
        jsonrpc: '2.0',
        id: 2,
        error: { code: -32000, message: 'unsupported operand', data: { name: 'TypeError' } },
      },
    ]);
    expect(recorded).toContain('batched');
  });

  it('discovers the methods through rpc.discover', async () => {
    const document = await client.request('rpc.discover', undefined);
    expect(document.openrpc).toBe('1.2.6');
    expect(document.methods.find((m: { name: string }) => m.name === 'add')).toStrictEqual({
      name: 'add',
      params: [
        { name: 'x', schema: {} },
        { name: 'y', schema: {} },
      ],
      result: { name: 'result', schema: {} },
      paramStructure: 'by-position',
    });
    expect(document.methods.map((m: { name: string }) => m.name)).toStrictEqual([
      'add',
      'askDouble',
      'fail',
      'greet',
      'math.mul',
      'ping',
      'record',
    ]);
  });
});

describe("json-rpc-2.0's client and server calling a farcall server over WebSocket", () => {
  let server: Server;
  let socket: WebSocket;
  let peer: JSONRPCServerAndClient;
  beforeAll(async () => {
    server = await serve(farcallApi, {
      listen: 'ws://127.0.0.1:0/rpc',
      protocol: 'jsonrpc',
      logger: false,
    });
    socket = new WebSocket(server.url);
    peer = new JSONRPCServerAndClient(
      new JSONRPCServer(),
      new JSONRPCClient((payload) => socket.send(JSON.stringify(payload))),
    );
    peer.addMethod('double', ([n]: number[]) => 2 * n!);
    socket.on('message', (data) => void peer.receiveAndSend(JSON.parse(String(data))));
    await once(socket, 'open');
  });
  afterAll(async () => {
    socket.close();
    await server.close();
  });

  it('calls, and gets errors with their class name', async () => {
    expect(await peer.request('add', [2, 3])).toBe(5);
    expect(await peer.request('greet', { name: 'bob' })).toBe('hello bob');
    const error = await failure(peer.request('fail', undefined));
    expect(error).toMatchObject({ code: -32000, data: { name: 'TypeError' } });
  });

  it('answers the farcall server calling it back on the same connection', async () => {
    expect(await peer.request('askDouble', [21])).toBe(42);
  });

  it('sends notifications', async () => {
    peer.notify('record', ['over ws']);
    await expect.poll(() => recorded.includes('over ws')).toBe(true);
  });
});

describe('a farcall client calling a json-rpc-2.0 server', () => {
  const seen: unknown[] = [];
  const jsonServer = new JSONRPCServer({ errorListener: () => {} });
  jsonServer.addMethod('add', ([x, y]: number[]) => x! + y!);
  jsonServer.addMethod(
    'subtract',
    ({ minuend, subtrahend }: { minuend: number; subtrahend: number }) => minuend - subtrahend,
  );
  jsonServer.addMethod('log', (params: unknown) => {
    seen.push(params);
  });
  jsonServer.addMethod('refuse', () => {
    throw new JSONRPCErrorException('not allowed', 4001, { why: 'policy' });
  });
  let httpServer: http.Server;
  let url: string;
  beforeAll(async () => {
    httpServer = http.createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const answer = await jsonServer.receiveJSON(Buffer.concat(chunks).toString());
      if (answer === null) response.writeHead(204).end();
      else
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/rpc`;
  });
  afterAll(() => new Promise<void>((resolve) => httpServer.close(() => resolve())));

  interface JsonApi {
    add(x: number, y: number): number;
    subtract(params: { minuend: number; subtrahend: number }): number;
    log(value: unknown): void;
    refuse(): never;
    nosuch(): never;
  }

  it('over HTTP: positional and by-name params, batches, notifications and errors', async () => {
    const remote = await connect<JsonApi>(url, { protocol: 'jsonrpc', logger: false });
    try {
      expect(await remote.add(2, 3)).toBe(5);
      expect(await remote.subtract({ minuend: 42, subtrahend: 23 })).toBe(19);
      // Calls of one turn leave as one batch.
      expect(await Promise.all([remote.add(1, 1), remote.add(2, 2), remote.add(3, 3)])).toEqual([
        2, 4, 6,
      ]);
      notify(remote, 'log', 'notified');
      await expect.poll(() => seen).toContainEqual(['notified']);
      const refused = (await remote.refuse().catch((e: unknown) => e)) as RemoteError;
      expect(refused).toBeInstanceOf(RemoteError);
      expect(refused).toMatchObject({
        message: 'not allowed',
        code: ErrorCode.APPLICATION_ERROR,
        rpcCode: 4001,
        data: { why: 'policy' },
        method: 'refuse',
      });
      const missing = (await remote.nosuch().catch((e: unknown) => e)) as RemoteError;
      expect(missing).toMatchObject({ code: ErrorCode.METHOD_NOT_FOUND, rpcCode: -32601 });
    } finally {
      await close(remote);
    }
  });

  it('over WebSocket: calls both ways on one connection, in text messages', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    const binary: boolean[] = [];
    const answered = new Promise<number>((resolve, reject) => {
      wss.on('connection', (ws) => {
        const peer = new JSONRPCServerAndClient(
          jsonServer,
          new JSONRPCClient((payload) => ws.send(JSON.stringify(payload))),
        );
        ws.on('message', (data, isBinary) => {
          binary.push(isBinary);
          void peer.receiveAndSend(JSON.parse(String(data)));
        });
        // The server calls the client, which exposes `double`.
        peer.request('double', [21]).then(resolve, reject);
      });
    });
    const remote = await connect<JsonApi>(
      `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
      { protocol: 'jsonrpc', logger: false, expose: { double: (n: number) => 2 * n } },
    );
    try {
      expect(await remote.add(20, 22)).toBe(42);
      expect(await remote.subtract({ minuend: 5, subtrahend: 7 })).toBe(-2);
      expect(await answered).toBe(42);
      expect(binary.length).toBeGreaterThan(0);
      expect(binary.every((b) => b === false)).toBe(true);
    } finally {
      await close(remote);
      wss.close();
    }
  });
});
