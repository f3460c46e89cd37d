// The servers of the stream and callback scenarios, run as child processes by bench/run.js;
// FARCALL_BENCH_KIND says which:
// - `raw-stream`: a `node:net` server on 127.0.0.1, port 0: a 4-byte frame holding a count N
//   asks for N frames of ITEM_BYTES (4-byte length prefix, as farcall frames them), written in
//   batches of 64 frames and held back while the socket's buffer is full (write() returns
//   false), which is all the backpressure a socket has. Sends `{ port }`.
// - `capnweb`: Cap'n Web over a `ws` WebSocket server: `items(n)` returns a ReadableStream of n
//   chunks of ITEM_BYTES (pulled, highWaterMark 0), and `callMe(n, fn)` awaits fn(i) n times.
//   Sends `{ url }`.
// - `birpc`: birpc over a `ws` WebSocket server (JSON messages): `callMe(n)` awaits the
//   client's `back(i)` n times. Sends `{ url }`.
// All answer `{ cpu }` when asked, as the other bench servers do.
import net from 'node:net';
import { createBirpc } from 'birpc';
import { newWebSocketRpcSession, RpcTarget } from 'capnweb';
import { WebSocket, WebSocketServer } from 'ws';
import { frame, frameReader } from './raw-framing.js';

export const ITEM_BYTES = 1024;
const BATCH = 64;
const kind = process.env.FARCALL_BENCH_KIND;

function rawStreamServer() {
  const payload = Buffer.alloc(ITEM_BYTES, 7);
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let left = 0;
    const push = () => {
      while (left > 0) {
        const n = Math.min(BATCH, left);
        left -= n;
        const frames = [];
        for (let i = 0; i < n; i++) frames.push(frame(payload));
        if (!socket.write(Buffer.concat(frames))) {
          socket.once('drain', push);
          return;
        }
      }
    };
    socket.on(
      'data',
      frameReader((request) => {
        const idle = left === 0;
        left += request.readUInt32BE(0);
        if (idle) push();
      }),
    );
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
}

function wsServer(onConnection) {
  // Cap'n Web reads WebSocket's constants from the global, which Node 20 does not have.
  globalThis.WebSocket ??= WebSocket;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', onConnection);
  server.on('listening', () => process.send({ url: `ws://127.0.0.1:${server.address().port}/` }));
}

class CapnwebApi extends RpcTarget {
  items(n) {
    const chunk = new Uint8Array(ITEM_BYTES).fill(7);
    let sent = 0;
    return new ReadableStream(
      {
        pull(controller) {
          if (sent++ < n) controller.enqueue(chunk);
          else controller.close();
        },
      },
      { highWaterMark: 0 },
    );
  }

  async callMe(n, fn) {
    for (let i = 0; i < n; i++) await fn(i);
    return n;
  }
}

if (kind === 'raw-stream') rawStreamServer();
else if (kind === 'capnweb') wsServer((ws) => newWebSocketRpcSession(ws, new CapnwebApi()));
else if (kind === 'birpc') {
  wsServer((ws) => {
    const rpc = createBirpc(
      {
        async callMe(n) {
          for (let i = 0; i < n; i++) await rpc.back(i);
          return n;
        },
      },
      {
        post: (data) => ws.send(data),
        on: (handler) => ws.on('message', (data) => handler(data.toString())),
        serialize: JSON.stringify,
        deserialize: JSON.parse,
        timeout: 60_000,
      },
    );
  });
} else throw new Error(`unknown FARCALL_BENCH_KIND '${kind}'`);

process.on('message', () => process.send({ cpu: process.cpuUsage() }));
process.on('disconnect', () => process.exit(0));
