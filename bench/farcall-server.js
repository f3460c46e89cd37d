// The farcall server, run as a child process by bench/run.js: serves `echo` over TCP on
// 127.0.0.1, port 0 (or on FARCALL_BENCH_LISTEN), with the authkey the parent passes in FARCALL_BENCH_AUTHKEY, in the
// protocol named by FARCALL_BENCH_PROTOCOL (default: the native one), with one pass-through
// interceptor when FARCALL_BENCH_USE is 1. It imports the built package by its name, as a user
// would (package self-reference through `exports`).
// Sends `{ url, ws }` to the parent over IPC once listening, and `{ cpu }` when asked.
import { serve } from 'farcall';

const item = new Uint8Array(1024).fill(7);
const api = {
  echo: (x) => x,
  // The stream scenarios: n items of 1 KiB; the callback scenario: n round trips to the client.
  items: async function* (n) {
    for (let i = 0; i < n; i++) yield item;
  },
  callMe: async (n, fn) => {
    for (let i = 0; i < n; i++) await fn(i);
    return n;
  },
};
const python = process.env.FARCALL_BENCH_PROTOCOL === 'python';
const server = await serve(python ? { echo: api.echo } : api, {
  // The native protocol also listens on a WebSocket, for the scenarios against WebSocket peers.
  listen:
    process.env.FARCALL_BENCH_LISTEN ??
    (python ? 'tcp://127.0.0.1:0' : ['tcp://127.0.0.1:0', 'ws://127.0.0.1:0/rpc']),
  authkey: process.env.FARCALL_BENCH_AUTHKEY,
  protocol: process.env.FARCALL_BENCH_PROTOCOL ?? 'farcall',
  use: process.env.FARCALL_BENCH_USE === '1' ? (_call, next) => next() : undefined,
  logger: false,
});
process.send({ url: server.urls[0], ws: server.urls[1] });
// The parent asks for this process's CPU time around each measurement.
process.on('message', () => process.send({ cpu: process.cpuUsage() }));
process.on('disconnect', () => {
  void server.close(0).then(() => process.exit(0));
});
