// A client process for one side of a scenario, forked by bench/run.js so that every side's
// client has a process, and a heap, of its own: a raw run's garbage must not slow the farcall
// run after it. argv[2] is JSON: `{ mode, server, authkey, window, use }`, where `server` is what
// the server script sent back and `use` installs one pass-through client interceptor. Protocol over IPC: `{ ready }` once connected; each message
// `{ maxCalls, maxMs }` runs one measurement and is answered `{ calls, ms, cpuUs }` (CPU time
// of this process during the run, in microseconds). Disconnecting closes and exits.
import { farcallPipelined, farcallSequential, RawClient } from './clients.js';
import {
  birpcClient,
  capnwebClient,
  farcallCallback,
  farcallStream,
  rawStream,
} from './stream-clients.js';

const { mode, server, authkey, window, use } = JSON.parse(process.argv[2]);

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
  if (mode === 'raw-stream') return rawStream(server.port);
  if (mode === 'capnweb-stream') {
    const client = await capnwebClient(server.url);
    return { run: client.stream, close: client.close };
  }
  if (mode === 'birpc-callback') {
    const client = await birpcClient(server.url);
    return { run: client.callback, close: client.close };
  }
  // The built package, imported by its name as a user would.
  const { connect, close, withOptions } = await import('farcall');
  // `-timeout`: a connection-default timeout on every call; `-withoptions`: the README's idiom,
  // `withOptions(remote, { timeout }).echo(x)`, a new remote per call; `-ws`: over ws://.
  const remote = await connect(mode.endsWith('-ws') ? server.ws : server.url, {
    authkey,
    timeout: mode.endsWith('-timeout') ? 5000 : undefined,
    use: use ? (_call, next) => next() : undefined,
  });
  if (mode === 'farcall-stream' || mode === 'farcall-stream-ws') {
    return { run: (n, ms) => farcallStream(remote, n, ms), close: () => close(remote) };
  }
  if (mode === 'farcall-callback-ws') {
    return { run: (n, ms) => farcallCallback(remote, n, ms), close: () => close(remote) };
  }
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
