// A client process for bench/nats.js, forked by bench/run.js's startChild. argv[2] is JSON
// `{ mode, url, window, request }`: mode 'raw' sends `request` (the bytes and headers of a
// farcall echo call, recorded by the raw server) with the NATS client's `request()`; 'echo'
// calls `remote.echo(42)` and 'work' calls `remote.work()` through farcall. `window` calls are
// kept in flight. Speaks bench/client-process.js's IPC: `{ ready }`, then `{ maxCalls, maxMs }`
// answered by `{ calls, ms, cpuUs }`.
import { performance } from 'node:perf_hooks';
import { connect as natsConnect, headers as natsHeaders } from '@nats-io/transport-node';
import { close, connect } from 'farcall';

const { mode, url, window, request } = JSON.parse(process.argv[2]);
const subject = new URL(url).pathname.slice(1);

async function open() {
  if (mode === 'raw') {
    const nc = await natsConnect({ servers: new URL(url).host });
    const body = Buffer.from(request.data, 'base64');
    const headers = natsHeaders();
    for (const [name, values] of request.headers) headers.set(name, values[0]);
    return {
      call: () => nc.request(subject, body, { headers, timeout: 10_000 }),
      close: () => nc.close(),
    };
  }
  const remote = await connect(url, { logger: false });
  const call = mode === 'echo' ? () => remote.echo(42) : () => remote.work();
  return { call, close: () => close(remote) };
}

/** Keeps `window` calls in flight until `maxCalls` are done or `maxMs` have passed. */
function run(call, maxCalls, maxMs) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const deadline = start + maxMs;
    let sent = 0;
    let done = 0;
    let stopping = false;
    const next = () => {
      if (!stopping && sent < maxCalls) {
        sent++;
        call().then(settled, reject);
      }
    };
    const settled = () => {
      done++;
      if (!stopping && (done & 63) === 0 && performance.now() >= deadline) stopping = true;
      if (done === sent && (stopping || sent >= maxCalls)) {
        resolve({ calls: done, ms: performance.now() - start });
      } else next();
    };
    for (let i = 0; i < window; i++) next();
  });
}

const client = await open();
process.on('message', async ({ maxCalls, maxMs }) => {
  const cpu0 = process.cpuUsage();
  const { calls, ms } = await run(client.call, maxCalls, maxMs);
  const cpu = process.cpuUsage(cpu0);
  process.send({ calls, ms, cpuUs: cpu.user + cpu.system });
});
process.on('disconnect', async () => {
  await client.close();
  process.exit(0);
});
process.send({ ready: true });
