// The farcall server, run as a child process by bench/run.js: serves `echo` over TCP on
// 127.0.0.1, port 0, with the authkey the parent passes in FARCALL_BENCH_AUTHKEY, in the
// protocol named by FARCALL_BENCH_PROTOCOL (default: the native one), with one pass-through
// interceptor when FARCALL_BENCH_USE is 1. It imports the built package by its name, as a user
// would (package self-reference through `exports`).
// Sends `{ url }` to the parent over IPC once listening, and `{ cpu }` when asked.
import { serve } from 'farcall';

const server = await serve(
  { echo: (x) => x },
  {
    listen: 'tcp://127.0.0.1:0',
    authkey: process.env.FARCALL_BENCH_AUTHKEY,
    protocol: process.env.FARCALL_BENCH_PROTOCOL ?? 'farcall',
    use: process.env.FARCALL_BENCH_USE === '1' ? (_call, next) => next() : undefined,
    logger: false,
  },
);
process.send({ url: server.urls[0] });
// The parent asks for this process's CPU time around each measurement.
process.on('message', () => process.send({ cpu: process.cpuUsage() }));
process.on('disconnect', () => {
  void server.close(0).then(() => process.exit(0));
});
