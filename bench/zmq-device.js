// N farcall servers behind one ZeroMQ device, run as a child process by bench/run.js: the
// device (farcall/zeromq's `device()`, libzmq's proxy on a thread of this process) binds both
// ends on 127.0.0.1, and FARCALL_BENCH_SERVERS processes of bench/farcall-server.js serve on its
// back end with `?connect`. Sends `{ url }` (the front end, `?exchange`) once all are connected;
// `{ cpu }` when asked is the CPU time of this process and every server together.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { device } from 'farcall/zeromq';

const count = Number(process.env.FARCALL_BENCH_SERVERS ?? 1);
const front = await device({ frontend: 'zmq+tcp://127.0.0.1:0', backend: 'zmq+tcp://127.0.0.1:0' });
const servers = [];
for (let i = 0; i < count; i++) {
  const child = fork(new URL('./farcall-server.js', import.meta.url), [], {
    env: { ...process.env, FARCALL_BENCH_LISTEN: `${front.backend}?connect` },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await once(child, 'message');
  servers.push(child);
}
const cpuOf = (child) =>
  new Promise((resolve) => {
    child.once('message', ({ cpu }) => resolve(cpu.user + cpu.system));
    child.send('cpu');
  });

process.send({ url: `${front.frontend}?exchange` });
process.on('message', async () => {
  const own = process.cpuUsage();
  const others = await Promise.all(servers.map(cpuOf));
  const total = own.user + own.system + others.reduce((a, b) => a + b, 0);
  process.send({ cpu: { user: total, system: 0 } });
});
process.on('disconnect', async () => {
  for (const child of servers) child.disconnect();
  await Promise.all(servers.map((child) => once(child, 'exit')));
  await front.close();
  process.exit(0);
});
