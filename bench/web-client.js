// A client process for one side of a web scenario, forked by bench/run.js like
// bench/client-process.js (same IPC: `{ maxCalls, maxMs }` in, `{ calls, ms, cpuUs }` out).
// argv[2] is JSON `{ mode, server, batch }`; `server` holds the URLs bench/web-server.js sent.
// A sequential mode awaits each echo(42) before the next; a batch mode sends `batch` calls at
// once (one HTTP request where the library batches) and awaits them all.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { RAW_PAYLOAD } from './clients.js';

const { mode, server, batch } = JSON.parse(process.argv[2]);
const now = () => performance.now();

/** Calls `once()` until `maxCalls` or `maxMs`; `once` resolves how many calls it made. */
async function loop(once, maxCalls, maxMs) {
  const start = now();
  const deadline = start + maxMs;
  let calls = 0;
  while (calls < maxCalls && now() < deadline) calls += await once();
  return { calls, ms: now() - start };
}

const all = (call) => async () => {
  const calls = [];
  for (let i = 0; i < batch; i++) calls.push(call());
  await Promise.all(calls);
  return batch;
};
const one = (call) => async () => {
  await call();
  return 1;
};

function openWs(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One POST over a keep-alive connection; resolves the response body. */
function post(url, body, type) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': type, 'content-length': body.length },
    });
    request.on('response', (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks)));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function farcallClient(url, makeOnce) {
  const { connect, close } = await import('farcall');
  const remote = await connect(url);
  return { once: makeOnce(() => remote.echo(42)), close: () => close(remote) };
}

const modes = {
  'farcall-ws': () => farcallClient(server.ws, one),
  'farcall-http': () => farcallClient(server.http, one),
  'farcall-http-batch': () => farcallClient(server.http, all),
  async 'raw-ws'() {
    const ws = await openWs(server.ws);
    let answer = () => {};
    ws.on('message', () => answer());
    const call = () =>
      new Promise((resolve) => {
        answer = resolve;
        ws.send(RAW_PAYLOAD);
      });
    return { once: one(call), close: () => ws.close() };
  },
  async 'raw-http'() {
    const call = () => post(server.http, RAW_PAYLOAD, 'application/octet-stream');
    return { once: one(call), close: () => agent.destroy() };
  },
  async 'capnweb-ws'() {
    // Cap'n Web reads the WebSocket constants from the global, which Node 20 does not have.
    globalThis.WebSocket ??= WebSocket;
    const { newWebSocketRpcSession } = await import('capnweb');
    const ws = await openWs(server.ws);
    const stub = newWebSocketRpcSession(ws);
    return { once: one(() => stub.echo(42)), close: () => ws.close() };
  },
  async 'jsonrpc-ws'() {
    const { JSONRPCClient } = await import('json-rpc-2.0');
    const ws = await openWs(server.ws);
    const client = new JSONRPCClient((request) => ws.send(JSON.stringify(request)));
    ws.on('message', (data) => client.receive(JSON.parse(data.toString())));
    return { once: one(() => client.request('echo', [42])), close: () => ws.close() };
  },
  async 'jsonrpc-http-batch'() {
    const { JSONRPCClient } = await import('json-rpc-2.0');
    const client = new JSONRPCClient(async (request) => {
      const answer = await post(
        server.http,
        Buffer.from(JSON.stringify(request)),
        'application/json',
      );
      if (answer.length > 0) client.receive(JSON.parse(answer.toString()));
    });
    let id = 0;
    const once = async () => {
      const requests = [];
      for (let i = 0; i < batch; i++)
        requests.push({ jsonrpc: '2.0', id: ++id, method: 'echo', params: [42] });
      const answers = await client.requestAdvanced(requests);
      if (answers.length !== batch) throw new Error('json-rpc-2.0: a batch lost answers');
      return batch;
    };
    return { once, close: () => agent.destroy() };
  },
  async 'trpc-http-batch'() {
    const { createTRPCClient, httpBatchLink } = await import('@trpc/client');
    const client = createTRPCClient({
      links: [httpBatchLink({ url: server.http, maxItems: batch })],
    });
    return { once: all(() => client.echo.mutate(42)), close: () => {} };
  },
};

const client = await modes[mode]();
process.on('message', async ({ maxCalls, maxMs }) => {
  const cpu0 = process.cpuUsage();
  const { calls, ms } = await loop(client.once, maxCalls, maxMs);
  const cpu = process.cpuUsage(cpu0);
  process.send({ calls, ms, cpuUs: cpu.user + cpu.system });
});
process.on('disconnect', async () => {
  await client.close();
  process.exit(0);
});
process.send({ ready: true });
