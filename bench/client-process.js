// A client process for one side of a scenario, forked by bench/run.js so that every side's
// client has a process, and a heap, of its own: a raw run's garbage must not slow the farcall
// run after it. argv[2] is JSON: `{ mode, server, authkey, window }`, where `server` is what the
// server script sent back. Protocol over IPC: `{ ready }` once connected; each message
// `{ maxCalls, maxMs }` runs one measurement and is answered `{ calls, ms, cpuUs }` (CPU time
// of this process during the run, in microseconds). Disconnecting closes and exits.
import { farcallPipelined, farcallSequential, RawClient } from './clients.js';

const { mode, server, authkey, window } = JSON.parse(process.argv[2]);

async function open() {
  if (mode === 'raw-zmq-pipelined') {
    const { RawZmqClient } = await import('./zmq-clients.js');
    const client = await RawZmqClient.connect(server.url);
    return { run: (n, ms) => client.pipelined(window, n, ms), close: () => client.close() };
  }
  if (mode === 'raw-sequential' || mode === 'raw-pipelined') {
    const client = await RawClient.connect(server.port);
    const run =
      mode === 'raw-sequential'
        ? (n, ms) => client.sequential(n, ms)
        : (n, ms) => client.pipelined(window, n, ms);
    return { run, close: () => client.close() };
  }
  // The built package, imported by its name as a user would.
  const { connect, close, withOptions } = await import('farcall');
  // `-timeout`: a connection-default timeout on every call; `-withoptions`: the README's idiom,
  // `withOptions(remote, { timeout }).echo(42)`, a new remote per call.
  const remote = await connect(server.url, {
    authkey,
    timeout: mode.endsWith('-timeout') ? 5000 : undefined,
  });
  const target = mode.endsWith('-withoptions')
    ? { echo: (x) => withOptions(remote, { timeout: 5000 }).echo(x) }
    : remote;
  const run = mode.startsWith('farcall-sequential')
    ? (n, ms) => farcallSequential(target, n, ms)
    : (n, ms) => farcallPipelined(target, window, n, ms);
  return { run, close: () => close(remote) };
}

const client = await open();
process.on('message', async ({ maxCalls, maxMs }) => {
  const cpu0 = process.cpuUsage();
  const { calls, ms } = await client.run(maxCalls, maxMs);
  const cpu = process.cpuUsage(cpu0);
  process.send({ calls, ms, cpuUs: cpu.user + cpu.system });
});
process.on('disconnect', async () => {
  await client.close();
  process.exit(0);
});
process.send({ ready: true });
