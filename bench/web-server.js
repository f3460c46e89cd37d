// The servers of the web scenarios, run as a child process by bench/run.js: which one is named
// by FARCALL_BENCH_WEB. Each serves `echo` (or echoes bytes) on 127.0.0.1, port 0, sends
// `{ ws, http }` (the URLs it has) to the parent over IPC once listening, and `{ cpu }` when
// asked. None has an authkey: the other libraries have none to compare with.
//   farcall   farcall over ws:// and http:// on one port (the built package, by its name)
//   raw       a `ws` echo of each binary message, and a node:http echo of each POST body
//   capnweb   Cap'n Web over WebSocket (on `ws`)
//   jsonrpc   json-rpc-2.0 over `ws` (text messages) and over node:http POST (batches too)
//   trpc      tRPC's standalone HTTP server (for httpBatchLink)
import http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

const which = process.env.FARCALL_BENCH_WEB;

function listen(server) {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(server.address().port)),
  );
}

/** Reads a request's body whole. */
function body(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

async function farcall() {
  const { serve } = await import('farcall');
  const server = await serve(
    { echo: (x) => x },
    { listen: ['ws://127.0.0.1:0/ws', 'http://127.0.0.1:0/rpc'], logger: false },
  );
  return { ws: server.urls[0], http: server.urls[1] };
}

async function raw() {
  const server = http.createServer(async (request, response) => {
    const bytes = await body(request);
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': bytes.length,
    });
    response.end(bytes);
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  const port = await listen(server);
  return { ws: `ws://127.0.0.1:${port}/ws`, http: `http://127.0.0.1:${port}/rpc` };
}

async function capnweb() {
  // Cap'n Web reads the WebSocket constants from the global, which Node 20 does not have.
  globalThis.WebSocket ??= WebSocket;
  const { newWebSocketRpcSession, RpcTarget } = await import('capnweb');
  class Api extends RpcTarget {
    echo(x) {
      return x;
    }
  }
  const server = http.createServer();
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (ws) => newWebSocketRpcSession(ws, new Api()));
  const port = await listen(server);
  return { ws: `ws://127.0.0.1:${port}/ws` };
}

async function jsonrpc() {
  const { JSONRPCServer } = await import('json-rpc-2.0');
  const rpc = new JSONRPCServer();
  rpc.addMethod('echo', ([x]) => x);
  const server = http.createServer(async (request, response) => {
    const answer = await rpc.receiveJSON((await body(request)).toString());
    const text = answer === null ? '' : JSON.stringify(answer);
    response.writeHead(answer === null ? 204 : 200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (ws) =>
    ws.on('message', async (data) => {
      const answer = await rpc.receiveJSON(data.toString());
      if (answer !== null) ws.send(JSON.stringify(answer));
    }),
  );
  const port = await listen(server);
  return { ws: `ws://127.0.0.1:${port}/ws`, http: `http://127.0.0.1:${port}/rpc` };
}

async function trpc() {
  const { initTRPC } = await import('@trpc/server');
  const { createHTTPServer } = await import('@trpc/server/adapters/standalone');
  const t = initTRPC.create();
  const router = t.router({ echo: t.procedure.input((x) => x).mutation(({ input }) => input) });
  const server = createHTTPServer({ router });
  const port = await listen(server);
  return { http: `http://127.0.0.1:${port}` };
}

const servers = { farcall, raw, capnweb, jsonrpc, trpc };
if (!servers[which]) throw new Error(`FARCALL_BENCH_WEB must be one of ${Object.keys(servers)}`);
process.send(await servers[which]());
process.on('message', () => process.send({ cpu: process.cpuUsage() }));
process.on('disconnect', () => process.exit(0));
