// The measuring clients of the stream and callback scenarios (see bench/stream-servers.js).
// Each `run(maxCalls, maxMs)` counts items (or callback round trips) until `maxCalls` are done
// or `maxMs` have passed, whichever comes first, and resolves `{ calls, ms }`; a stream left
// early is stopped (farcall: `break`; Cap'n Web: the reader cancelled).
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createBirpc } from 'birpc';
import { newWebSocketRpcSession } from 'capnweb';
import { WebSocket } from 'ws';
import { frame, frameReader } from './raw-framing.js';

const now = () => performance.now();
const CLOCK_EVERY = 64;
/** Items the raw client asks for at a time. */
const RAW_BATCH = 8192;

/** Reads the raw stream server's frames, asking for RAW_BATCH at a time. */
export async function rawStream(port) {
  const socket = await new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  socket.setNoDelay(true);
  let onItem = () => {};
  socket.on(
    'data',
    frameReader((payload) => onItem(payload)),
  );
  const ask = (n) => {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(n, 0);
    socket.write(frame(count));
  };
  return {
    run: (maxCalls, maxMs) =>
      new Promise((resolve) => {
        const start = now();
        const deadline = start + maxMs;
        let calls = 0;
        let asked = 0;
        let stopping = false;
        const more = () => {
          const n = Math.min(RAW_BATCH, maxCalls - asked);
          asked += n;
          ask(n);
        };
        onItem = (payload) => {
          if (payload.length !== 1024) throw new Error('raw item of the wrong size');
          calls++;
          if (!stopping && calls % CLOCK_EVERY === 0 && now() >= deadline) stopping = true;
          // The next batch is asked for half way through this one: the stream never runs dry.
          if (!stopping && asked < maxCalls && asked - calls === RAW_BATCH / 2) more();
          if (calls === asked && (stopping || asked >= maxCalls)) {
            resolve({ calls, ms: now() - start });
          }
        };
        more();
      }),
    close: () => socket.destroy(),
  };
}

/** `for await` over `remote.items(n)`, left with `break` when the time is up. */
export async function farcallStream(remote, maxCalls, maxMs) {
  const start = now();
  const deadline = start + maxMs;
  let calls = 0;
  for await (const item of await remote.items(maxCalls)) {
    if (item.length !== 1024) throw new Error('farcall item of the wrong size');
    calls++;
    if (calls % CLOCK_EVERY === 0 && now() >= deadline) break;
  }
  return { calls, ms: now() - start };
}

/** The server calls the client's callback `maxCalls` times in one call. */
export async function farcallCallback(remote, maxCalls, maxMs) {
  const start = now();
  const deadline = start + maxMs;
  let calls = 0;
  // In slices, so that the time bound is kept whatever the rate.
  while (calls < maxCalls && now() < deadline) {
    const n = Math.min(1000, maxCalls - calls);
    calls += await remote.callMe(n, (i) => i);
  }
  return { calls, ms: now() - start };
}

function webSocket(url) {
  globalThis.WebSocket ??= WebSocket;
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Cap'n Web: the ReadableStream `items(n)` returns, read chunk by chunk. */
export async function capnwebClient(url) {
  const ws = await webSocket(url);
  const api = newWebSocketRpcSession(ws);
  return {
    stream: async (maxCalls, maxMs) => {
      const start = now();
      const deadline = start + maxMs;
      const reader = (await api.items(maxCalls)).getReader();
      let calls = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.length !== 1024) throw new Error('capnweb item of the wrong size');
        calls++;
        if (calls % CLOCK_EVERY === 0 && now() >= deadline) {
          await reader.cancel();
          break;
        }
      }
      return { calls, ms: now() - start };
    },
    close: () => ws.close(),
  };
}

/** birpc over a WebSocket (JSON): the server calls the client's `back` `maxCalls` times. */
export async function birpcClient(url) {
  const ws = await webSocket(url);
  const rpc = createBirpc(
    { back: (i) => i },
    {
      post: (data) => ws.send(data),
      on: (handler) => ws.on('message', (data) => handler(data.toString())),
      serialize: JSON.stringify,
      deserialize: JSON.parse,
      timeout: 60_000,
    },
  );
  return {
    callback: async (maxCalls, maxMs) => {
      const start = now();
      const deadline = start + maxMs;
      let calls = 0;
      while (calls < maxCalls && now() < deadline) {
        const n = Math.min(1000, maxCalls - calls);
        calls += await rpc.callMe(n);
      }
      return { calls, ms: now() - start };
    },
    close: () => ws.close(),
  };
}
