// The farcall server, run as a child process by bench/run.js: serves `echo` over TCP on
// 127.0.0.1, port 0 (or on FARCALL_BENCH_LISTEN), with the authkey the parent passes in FARCALL_BENCH_AUTHKEY, in the
// protocol named by FARCALL_BENCH_PROTOCOL (default: the native one). It imports the
// built package by its name, as a user would (package self-reference through `exports`).
// Sends `{ url }` to the parent over IPC once listening, and `{ cpu }` when asked.
import { serve } from 'farcall';

const server = await serve(
  { echo: (x) => x },
  {
    listen: process.env.FARCALL_BENCH_LISTEN ?? 'tcp://127.0.0.1:0',
    authkey: process.env.FARCALL_BENCH_AUTHKEY,
    protocol: process.env.FARCALL_BENCH_PROTOCOL ?? 'farcall',
    logger: false,
  },
);
process.send({ url: server.urls[0] });
// The parent asks for this process's CPU time around each measurement.
process.on('message', () => process.send({ cpu: process.cpuUsage() }));
process.on('disconnect', () => {
  void server.close(0).then(() => process.exit(0));
});
