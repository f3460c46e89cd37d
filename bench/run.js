// farcall benchmark orchestrator: `npm run bench` (or `node bench/run.js [--quick] [--json]`).
//
// Builds the package (dist/), forks the servers (bench/*-server.js) as child processes on
// 127.0.0.1 port 0, and for each side of each scenario below a client process
// (bench/client-process.js); this process only directs them and prints. A scenario
// compares a baseline side with a subject side: the two are measured interleaved (baseline,
// subject, baseline, ...), each measurement preceded by a warm-up and bounded by a call count
// and a time, and the median of the runs is reported, with the CPU time each call cost the
// client and the server process. See docs/benchmarks.md.
//
// Options (flag or environment variable):
//   --quick  / BENCH_QUICK=1   short run, for a CI smoke test (figures are rough)
//   --json   / BENCH_JSON=1    print one JSON document on stdout (progress goes to stderr)
//   --only=NAME[,NAME]         run only the named scenarios
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { natsScenarios, stopNats } from './nats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const json = argv.includes('--json') || process.env.BENCH_JSON === '1';
const only = argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');

/** Runs per side (the median is reported), and each measurement's bounds. */
const settings = quick
  ? { runs: 3, warmupMs: 50, maxMs: 200, callScale: 0.1 }
  : { runs: 3, warmupMs: 300, maxMs: 1500, callScale: 1 };
const WINDOW = 256;
/** Calls in one batch of the HTTP batch scenarios. */
const BATCH = 64;
/** Calls in flight through the ZeroMQ device (`?exchange`: the answers of one turn come back in one response). */
const DEVICE_WINDOW = WINDOW;
/** The hashing of one call in the worker-pool scenarios (bench/pool-hash.js). */
const POOL_ROUNDS = 1_000_000;
const AUTHKEY = randomBytes(16).toString('hex');

const log = (line = '') => (json ? process.stderr : process.stdout).write(`${line}\n`);

/**
 * The scenarios. Each names a `baseline` and a `subject`; `open(ctx)` starts that side's client
 * and returns `{ run(maxCalls, maxMs) -> { calls, ms, cpuUs }, close(), server }`, where
 * `server` (from `ctx.server(name)`, which starts each server script once) reports the server
 * process's CPU time. To add a scenario (another protocol, another payload), append an entry
 * here, with a server in `SERVERS` if it needs one; `nodeClient` runs bench/client-process.js,
 * and a client in another language only has to honour the same `open` contract.
 */
const scenarios = [
  {
    name: 'sequential',
    title: 'Sequential round trips, one call in flight',
    maxCalls: 200_000,
    targets: { minRatio: 0.85 },
    baseline: {
      name: 'raw',
      describe:
        'node:net echo of a 12-byte frame (4-byte length prefix); the next frame is written from the data callback',
      open: (ctx) => nodeClient(ctx, 'raw', 'raw-sequential'),
    },
    subject: {
      name: 'farcall',
      describe: 'await remote.echo(42) in a loop (TCP, authkey, the built package)',
      open: (ctx) => nodeClient(ctx, 'farcall', 'farcall-sequential'),
    },
  },
  {
    name: 'pipelined',
    title: `Pipelined, ${WINDOW} calls in flight on one connection`,
    maxCalls: 5_000_000,
    targets: { minRatio: 0.4, minRate: 250_000 },
    baseline: {
      name: 'raw',
      describe: `node:net, ${WINDOW} frames in flight; each end answers all frames of one read with one write`,
      open: (ctx) => nodeClient(ctx, 'raw', 'raw-pipelined'),
    },
    subject: {
      name: 'farcall',
      describe: `${WINDOW} remote.echo(42) calls in flight; each answer issues the next call`,
      open: (ctx) => nodeClient(ctx, 'farcall', 'farcall-pipelined'),
    },
  },
  ...interceptorScenarios(),
  {
    name: 'stream',
    title: 'A stream of 1 KiB items, one connection, read as fast as it comes',
    maxCalls: 2_000_000,
    bytesPerCall: 1024,
    targets: { minRatio: 0.25 },
    baseline: {
      name: 'raw',
      describe:
        'node:net: 1 KiB frames (4-byte length prefix) pushed in writes of 64, held while the socket buffer is full; the client asks for 8192 at a time',
      open: (ctx) => nodeClient(ctx, 'raw-stream', 'raw-stream'),
    },
    subject: {
      name: 'farcall',
      describe:
        'for await over remote.items(n), an async generator yielding a 1 KiB Uint8Array (TCP, authkey, credit of 256 items / 1 MiB)',
      open: (ctx) => nodeClient(ctx, 'farcall', 'farcall-stream'),
    },
  },
  {
    name: 'stream-ws',
    title: "A stream of 1 KiB items over WebSocket, beside Cap'n Web's ReadableStream",
    maxCalls: 2_000_000,
    bytesPerCall: 1024,
    targets: { minRatio: 1 },
    baseline: {
      name: 'capnweb',
      describe:
        "Cap'n Web over ws: items(n) returns a ReadableStream of 1 KiB chunks, read with a reader",
      open: (ctx) => nodeClient(ctx, 'capnweb', 'capnweb-stream'),
    },
    subject: {
      name: 'farcall',
      describe: 'for await over remote.items(n) over ws:// (authkey)',
      open: (ctx) => nodeClient(ctx, 'farcall', 'farcall-stream-ws'),
    },
  },
  {
    name: 'callback',
    title: 'Callback round trips: the server calls the client back, one call at a time',
    maxCalls: 200_000,
    targets: { minRatio: 1 },
    baseline: {
      name: 'birpc',
      describe: "birpc over ws (JSON): the server's callMe(n) awaits the client's back(i) n times",
      open: (ctx) => nodeClient(ctx, 'birpc', 'birpc-callback'),
    },
    subject: {
      name: 'farcall',
      describe:
        'remote.callMe(n, (i) => i) over ws:// (authkey): the server awaits the callback n times',
      open: (ctx) => nodeClient(ctx, 'farcall', 'farcall-callback-ws'),
    },
  },
  {
    name: 'default-timeout',
    title: `Pipelined, ${WINDOW} calls in flight, each with the connection's default timeout`,
    maxCalls: 5_000_000,
    // One timer per session, not per call: a timeout should cost next to nothing.
    targets: { minRatio: 0.9 },
    baseline: {
      name: 'no-timeout',
      describe: `${WINDOW} remote.echo(42) calls in flight, no timeout`,
      open: (ctx) => nodeClient(ctx, 'farcall', 'farcall-pipelined'),
    },
    subject: {
      name: 'timeout',
      describe: 'the same with connect(url, { timeout: 5000 })',
      open: (ctx) => nodeClient(ctx, 'farcall', 'farcall-pipelined-timeout'),
    },
  },
  {
    name: 'with-options',
    title: `Pipelined, ${WINDOW} calls in flight, withOptions(remote, { timeout }) per call`,
    maxCalls: 5_000_000,
    targets: { minRatio: 0.85 },
    baseline: {
      name: 'plain',
      describe: `${WINDOW} remote.echo(42) calls in flight`,
      open: (ctx) => nodeClient(ctx, 'farcall', 'farcall-pipelined'),
    },
    subject: {
      name: 'withOptions',
      describe: 'withOptions(remote, { timeout: 5000 }).echo(42) for every call',
      open: (ctx) => nodeClient(ctx, 'farcall', 'farcall-pipelined-withoptions'),
    },
  },
  {
    name: 'zmq',
    title: `ZeroMQ: pipelined, ${WINDOW} calls in flight on one DEALER`,
    maxCalls: 2_000_000,
    targets: { minRatio: 0.25 },
    baseline: {
      name: 'raw-zmq',
      describe: `a zeromq DEALER keeping ${WINDOW} 12-byte messages in flight to a ROUTER that sends each back`,
      open: (ctx) => nodeClient(ctx, 'raw-zmq', 'raw-zmq-pipelined'),
    },
    subject: {
      name: 'farcall',
      describe: `${WINDOW} remote.echo(42) calls in flight over zmq+tcp:// (a session, authkey)`,
      open: (ctx) => nodeClient(ctx, 'farcall-zmq', 'farcall-pipelined'),
    },
  },
  ...[2, 3].map((n) => ({
    name: `device-x${n}`,
    title: `ZeroMQ device: ${n} server processes against 1, ${DEVICE_WINDOW} calls in flight (?exchange)`,
    maxCalls: 2_000_000,
    // Two cores hold the client, the device and every server: more servers cannot add cores
    // here (docs/scaling.md), so this guards against more servers costing much, not for growth.
    targets: { minRatio: 0.6 },
    baseline: {
      name: '1 server',
      describe: `${DEVICE_WINDOW} remote.echo(42) calls in flight through a device to 1 farcall server process (authkey)`,
      open: (ctx) => nodeClient(ctx, 'device-1', 'farcall-pipelined', { window: DEVICE_WINDOW }),
    },
    subject: {
      name: `${n} servers`,
      describe: `the same client through the same kind of device to ${n} server processes`,
      open: (ctx) => nodeClient(ctx, `device-${n}`, 'farcall-pipelined', { window: DEVICE_WINDOW }),
    },
  })),
  {
    name: 'jsonrpc-http',
    title: 'JSON-RPC over HTTP, sequential round trips (keep-alive)',
    maxCalls: 100_000,
    targets: { minRatio: 0.9 },
    baseline: {
      name: 'node:http',
      describe:
        'a bare node:http server that parses the body and answers each JSON-RPC request by hand',
      open: (ctx) => nodeClient(ctx, 'http-echo', 'farcall-jsonrpc-sequential', {}, RPC_CLIENT),
    },
    subject: {
      name: 'farcall',
      describe: "serve(api, { protocol: 'jsonrpc' }) on http://; the same farcall client",
      open: (ctx) =>
        nodeClient(ctx, 'farcall-jsonrpc-http', 'farcall-jsonrpc-sequential', {}, RPC_CLIENT),
    },
  },
  {
    name: 'jsonrpc-ws',
    title: 'JSON-RPC over WebSocket, sequential round trips',
    maxCalls: 200_000,
    targets: { minRatio: 1 },
    baseline: {
      name: 'json-rpc-2.0',
      describe:
        "json-rpc-2.0's JSONRPCClient and JSONRPCServer over `ws`, as its README wires them",
      open: (ctx) =>
        nodeClient(ctx, 'json-rpc-2.0-ws', 'json-rpc-2.0-ws-sequential', {}, RPC_CLIENT),
    },
    subject: {
      name: 'farcall',
      describe: "connect and serve with protocol: 'jsonrpc' over ws://",
      open: (ctx) =>
        nodeClient(ctx, 'farcall-jsonrpc-ws', 'farcall-jsonrpc-sequential', {}, RPC_CLIENT),
    },
  },
  {
    name: 'jsonrpc-ws-x256',
    title: `JSON-RPC over WebSocket, ${WINDOW} calls in flight on one connection`,
    maxCalls: 2_000_000,
    targets: { minRatio: 1 },
    baseline: {
      name: 'json-rpc-2.0',
      describe: `${WINDOW} json-rpc-2.0 requests in flight over \`ws\``,
      open: (ctx) =>
        nodeClient(ctx, 'json-rpc-2.0-ws', 'json-rpc-2.0-ws-pipelined', {}, RPC_CLIENT),
    },
    subject: {
      name: 'farcall',
      describe: `${WINDOW} remote.echo(42) calls in flight, protocol: 'jsonrpc' over ws://`,
      open: (ctx) =>
        nodeClient(ctx, 'farcall-jsonrpc-ws', 'farcall-jsonrpc-pipelined', {}, RPC_CLIENT),
    },
  },
  {
    name: 'xmlrpc',
    title: "XML-RPC: Python's xmlrpc.client, sequential round trips (keep-alive)",
    maxCalls: 50_000,
    targets: { minRatio: 1 },
    needsPython: true,
    baseline: {
      name: 'py-server',
      describe:
        "Python's SimpleXMLRPCServer, its handler on HTTP/1.1 (the connection is kept) and a thread per connection",
      open: (ctx) => xmlrpcClient(ctx, 'python-xmlrpc'),
    },
    subject: {
      name: 'farcall',
      describe: "the same Python client calling serve(api, { protocol: 'xmlrpc' })",
      open: (ctx) => xmlrpcClient(ctx, 'farcall-xmlrpc'),
    },
  },
  {
    name: 'xmlrpc-x8',
    title: 'XML-RPC: 8 Python xmlrpc.client processes at once, each sequential',
    maxCalls: 100_000,
    targets: { minRatio: 1 },
    needsPython: true,
    baseline: {
      name: 'py-server',
      describe: '8 Python clients calling the SimpleXMLRPCServer (a thread per connection)',
      open: (ctx) => xmlrpcClient(ctx, 'python-xmlrpc', 8),
    },
    subject: {
      name: 'farcall',
      describe: "the same 8 clients calling serve(api, { protocol: 'xmlrpc' })",
      open: (ctx) => xmlrpcClient(ctx, 'farcall-xmlrpc', 8),
    },
  },
  {
    name: 'python',
    title: "The recipe's protocol: a Python client, sequential round trips",
    maxCalls: 100_000,
    // The farcall server should not be the slower side.
    targets: { minRatio: 1 },
    needsPython: true,
    baseline: {
      name: 'py-server',
      describe:
        'the recipe-style Python client calling a recipe-style Python server (thread per client)',
      open: (ctx) => pythonClient(ctx, 'python'),
    },
    subject: {
      name: 'farcall',
      describe: "the same Python client calling a farcall server with protocol: 'python'",
      open: (ctx) => pythonClient(ctx, 'farcall-python'),
    },
  },
  {
    name: 'python-x8',
    title: "The recipe's protocol: 8 Python clients at once, each sequential",
    maxCalls: 200_000,
    targets: { minRatio: 1 },
    needsPython: true,
    baseline: {
      name: 'py-server',
      describe: '8 recipe-style Python client processes calling the Python server at once',
      open: (ctx) => pythonClient(ctx, 'python', 8),
    },
    subject: {
      name: 'farcall',
      describe: "the same 8 clients calling a farcall server with protocol: 'python'",
      open: (ctx) => pythonClient(ctx, 'farcall-python', 8),
    },
  },
  ...webScenarios(),
  // farcall over NATS beside raw NATS, and 1 to 3 servers behind one subject (bench/nats.js).
  ...natsScenarios({ startChild, log }),
  ...[1, 2].map((workers) => ({
    name: `pool-${workers}`,
    title: `Worker pool, ${workers} thread${workers > 1 ? 's' : ''}: a CPU-bound function (FNV-1a over ${POOL_ROUNDS.toLocaleString('en-US')} bytes, about 1 ms)`,
    maxCalls: 20_000,
    // One thread pays only the round trips; two should nearly double the main thread on 2 cores.
    targets: { minRatio: workers === 1 ? 0.85 : 1.5 },
    baseline: {
      name: 'main',
      describe: 'hash(rounds) called in a loop in the main thread of the client process',
      open: (ctx) => poolClient(ctx, 'main', 0),
    },
    subject: {
      name: 'pool',
      describe: `await pool.remote.hash(rounds) through workerPool({ workers: ${workers} }), ${2 * workers} calls in flight`,
      open: (ctx) => poolClient(ctx, 'pool', workers),
    },
  })),
];

/**
 * One interceptor installed beside none, on the server and on the client, in both unary modes:
 * the same farcall client and server, once as they are and once with a pass-through
 * interceptor (`(call, next) => next()`), so the difference is what the interceptor machinery
 * costs. The baseline (none installed) runs exactly the code of a build without interceptors.
 */
function interceptorScenarios() {
  const modes = [
    {
      suffix: '',
      mode: 'farcall-pipelined',
      what: `${WINDOW} calls in flight`,
      maxCalls: 5_000_000,
    },
    { suffix: '-seq', mode: 'farcall-sequential', what: 'one call in flight', maxCalls: 200_000 },
  ];
  const ends = [
    {
      name: 'server-use',
      title: 'One server interceptor beside none',
      option: 'serve(api, { use: (call, next) => next() })',
      open: (ctx, mode) => nodeClient(ctx, 'farcall-use', mode),
    },
    {
      name: 'client-use',
      title: 'One client interceptor beside none',
      option: 'connect(url, { use: (call, next) => next() })',
      open: (ctx, mode) => nodeClient(ctx, 'farcall', mode, { use: true }),
    },
  ];
  return ends.flatMap((end) =>
    modes.map(({ suffix, mode, what, maxCalls }) => ({
      name: `${end.name}${suffix}`,
      title: `${end.title}, ${what}`,
      maxCalls,
      targets: { minRatio: 0.8 },
      baseline: {
        name: 'none',
        describe: `remote.echo(42), ${what}, no interceptor`,
        open: (ctx) => nodeClient(ctx, 'farcall', mode),
      },
      subject: {
        name: 'one',
        describe: `the same with ${end.option}`,
        open: (ctx) => end.open(ctx, mode),
      },
    })),
  );
}

/**
 * farcall's own protocol over ws:// and http:// beside a raw echo of the same bytes and beside
 * other RPC libraries over the same transport (bench/web-server.js, bench/web-client.js). No
 * side has an authkey.
 */
function webScenarios() {
  const side = (server, mode, name, describe) => ({
    name,
    describe,
    open: (ctx) => webClient(ctx, server, mode),
  });
  const farcallWs = side(
    'web-farcall',
    'farcall-ws',
    'farcall',
    'await remote.echo(42) in a loop over ws:// (binary frames)',
  );
  const farcallBatch = side(
    'web-farcall',
    'farcall-http-batch',
    'farcall',
    `${BATCH} remote.echo(42) calls in one turn: one POST (a batch), awaited together`,
  );
  return [
    {
      name: 'ws-raw',
      title: 'WebSocket, sequential: farcall beside a raw echo of the same bytes',
      maxCalls: 100_000,
      targets: { minRatio: 0.7 },
      baseline: side('web-raw', 'raw-ws', 'raw-ws', `ws echo of a ${12}-byte binary message`),
      subject: farcallWs,
    },
    {
      name: 'ws-capnweb',
      title: "WebSocket, sequential: farcall beside Cap'n Web",
      maxCalls: 100_000,
      targets: { minRatio: 1 },
      baseline: side(
        'web-capnweb',
        'capnweb-ws',
        'capnweb',
        'await stub.echo(42) over a ws WebSocket',
      ),
      subject: farcallWs,
    },
    {
      name: 'ws-jsonrpc',
      title: 'WebSocket, sequential: farcall beside json-rpc-2.0',
      maxCalls: 100_000,
      targets: { minRatio: 1 },
      baseline: side(
        'web-jsonrpc',
        'jsonrpc-ws',
        'json-rpc-2.0',
        "await client.request('echo', [42]) over ws text messages",
      ),
      subject: farcallWs,
    },
    {
      name: 'http-raw',
      title: 'HTTP, sequential, one call per POST: farcall beside a raw node:http echo',
      maxCalls: 50_000,
      targets: { minRatio: 0.7 },
      baseline: side(
        'web-raw',
        'raw-http',
        'raw-http',
        'node:http POST of 12 bytes echoed, keep-alive',
      ),
      subject: side(
        'web-farcall',
        'farcall-http',
        'farcall',
        'await remote.echo(42) in a loop over http://',
      ),
    },
    {
      name: 'http-batch-jsonrpc',
      title: `HTTP batches of ${BATCH} calls: farcall beside json-rpc-2.0`,
      maxCalls: 1_000_000,
      targets: { minRatio: 1 },
      baseline: side(
        'web-jsonrpc',
        'jsonrpc-http-batch',
        'json-rpc-2.0',
        `client.requestAdvanced of ${BATCH} requests: one POST`,
      ),
      subject: farcallBatch,
    },
    {
      name: 'http-batch-trpc',
      title: `HTTP batches of ${BATCH} calls: farcall beside tRPC's httpBatchLink`,
      maxCalls: 1_000_000,
      targets: { minRatio: 1 },
      baseline: side(
        'web-trpc',
        'trpc-http-batch',
        'trpc',
        `${BATCH} client.echo.mutate(42) in one turn (httpBatchLink, fetch)`,
      ),
      subject: farcallBatch,
    },
  ];
}

/**
 * Server scripts by name, with the environment they need. A node script sends its address over
 * IPC; a Python one prints `listening on PORT`.
 */
const SERVERS = {
  raw: { script: 'raw-server.js', env: {} },
  farcall: { script: 'farcall-server.js', env: { FARCALL_BENCH_AUTHKEY: AUTHKEY } },
  'farcall-use': {
    script: 'farcall-server.js',
    env: { FARCALL_BENCH_AUTHKEY: AUTHKEY, FARCALL_BENCH_USE: '1' },
  },
  'farcall-python': {
    script: 'farcall-server.js',
    env: { FARCALL_BENCH_AUTHKEY: AUTHKEY, FARCALL_BENCH_PROTOCOL: 'python' },
  },
  python: { python: 'python-server.py' },
  'raw-zmq': { script: 'raw-zmq-server.js', env: {} },
  'farcall-zmq': {
    script: 'farcall-server.js',
    env: { FARCALL_BENCH_AUTHKEY: AUTHKEY, FARCALL_BENCH_LISTEN: 'zmq+tcp://127.0.0.1:0' },
  },
  'raw-stream': { script: 'stream-servers.js', env: { FARCALL_BENCH_KIND: 'raw-stream' } },
  capnweb: { script: 'stream-servers.js', env: { FARCALL_BENCH_KIND: 'capnweb' } },
  birpc: { script: 'stream-servers.js', env: { FARCALL_BENCH_KIND: 'birpc' } },
  ...Object.fromEntries(
    ['farcall', 'raw', 'capnweb', 'jsonrpc', 'trpc'].map((name) => [
      `web-${name}`,
      { script: 'web-server.js', env: { FARCALL_BENCH_WEB: name } },
    ]),
  ),
  ...Object.fromEntries(
    [1, 2, 3].map((n) => [
      `device-${n}`,
      {
        script: 'zmq-device.js',
        env: { FARCALL_BENCH_AUTHKEY: AUTHKEY, FARCALL_BENCH_SERVERS: String(n) },
      },
    ]),
  ),
  'http-echo': { script: 'rpc-server.js', env: { FARCALL_BENCH_RPC: 'http-echo' } },
  'farcall-jsonrpc-http': {
    script: 'rpc-server.js',
    env: { FARCALL_BENCH_RPC: 'farcall-jsonrpc-http' },
  },
  'json-rpc-2.0-ws': { script: 'rpc-server.js', env: { FARCALL_BENCH_RPC: 'json-rpc-2.0-ws' } },
  'farcall-jsonrpc-ws': {
    script: 'rpc-server.js',
    env: { FARCALL_BENCH_RPC: 'farcall-jsonrpc-ws' },
  },
  'farcall-xmlrpc': { script: 'rpc-server.js', env: { FARCALL_BENCH_RPC: 'farcall-xmlrpc' } },
  'python-xmlrpc': { python: 'xmlrpc-server.py' },
};

/** The client process of the JSON-RPC scenarios. */
const RPC_CLIENT = 'rpc-client-process.js';

/** Whether python3 runs here; the Python scenario is skipped (with a line saying so) if not. */
function hasPython() {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a Python bench script with `args`; resolves `{ child, lines }` once it printed its first
 * line, where `lines` yields every later stdout line in order.
 */
function startPython(script, args) {
  const child = spawn('python3', [fileURLToPath(new URL(script, import.meta.url)), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return lines.next().then(({ value, done }) => {
    if (done) throw new Error(`${script} exited before it was ready`);
    return { child, first: value, lines };
  });
}

/** CPU time (user + system) of a process in microseconds, from /proc (Linux). */
function procCpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** The Python server: its port from its first line, its CPU time from /proc. */
async function startPythonServer(script) {
  const { child, first } = await startPython(script, [AUTHKEY]);
  const port = Number(/listening on (\d+)/.exec(first)?.[1]);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    info: { port, url: `tcp://127.0.0.1:${port}` },
    cpu: async () => procCpuUs(child.pid),
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The recipe-style Python client (bench/python-client.py) against the named server. */
async function pythonClient(ctx, serverName, clients = 1) {
  const server = await ctx.server(serverName);
  const port = server.info.port ?? Number(server.info.url.split(':').pop());
  const started = [];
  for (let i = 0; i < clients; i++) {
    started.push(await startPython('python-client.py', [String(port), AUTHKEY]));
  }
  /** One measurement in one client process. */
  const runOne = async ({ child, lines }, maxCalls, maxMs) => {
    child.stdin.write(`${JSON.stringify({ maxCalls, maxMs })}\n`);
    const { value, done } = await lines.next();
    if (done) throw new Error('the Python bench client exited during a run');
    return JSON.parse(value);
  };
  return {
    // All clients run at once; the calls add up, and the run lasts as long as the slowest.
    run: async (maxCalls, maxMs) => {
      const each = Math.ceil(maxCalls / clients);
      const results = await Promise.all(started.map((c) => runOne(c, each, maxMs)));
      return {
        calls: results.reduce((sum, r) => sum + r.calls, 0),
        ms: Math.max(...results.map((r) => r.ms)),
        cpuUs: results.reduce((sum, r) => sum + r.cpuUs, 0),
      };
    },
    close: () =>
      Promise.all(
        started.map(({ child }) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.stdin.end();
          return exited;
        }),
      ),
    server,
  };
}

/**
 * Python's own xmlrpc.client (bench/xmlrpc-client.py) against the named server, at
 * http://127.0.0.1:PORT/RPC2 (the path both servers answer on).
 */
async function xmlrpcClient(ctx, serverName, clients = 1) {
  const server = await ctx.server(serverName);
  const port = server.info.port ?? Number(new URL(server.info.url).port);
  const started = [];
  for (let i = 0; i < clients; i++) {
    started.push(await startPython('xmlrpc-client.py', [`http://127.0.0.1:${port}/RPC2`]));
  }
  const runOne = async ({ child, lines }, maxCalls, maxMs) => {
    child.stdin.write(`${JSON.stringify({ maxCalls, maxMs })}\n`);
    const { value, done } = await lines.next();
    if (done) throw new Error('the Python XML-RPC bench client exited during a run');
    return JSON.parse(value);
  };
  return {
    // All clients run at once; the calls add up, and the run lasts as long as the slowest.
    run: async (maxCalls, maxMs) => {
      const each = Math.ceil(maxCalls / clients);
      const results = await Promise.all(started.map((c) => runOne(c, each, maxMs)));
      return {
        calls: results.reduce((sum, r) => sum + r.calls, 0),
        ms: Math.max(...results.map((r) => r.ms)),
        cpuUs: results.reduce((sum, r) => sum + r.cpuUs, 0),
      };
    },
    close: () =>
      Promise.all(
        started.map(({ child }) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.stdin.end();
          return exited;
        }),
      ),
    server,
  };
}

/**
 * Starts the named server (once) and a client process (`script`) in `mode` connected to it;
 * `extra` goes to the client process (`{ use: true }` installs a client interceptor, `{ window }`
 * another window).
 */
async function nodeClient(ctx, serverName, mode, extra = {}, script = 'client-process.js') {
  const server = await ctx.server(serverName);
  const options = { mode, server: server.info, authkey: AUTHKEY, window: WINDOW, ...extra };
  const client = await startChild(script, [JSON.stringify(options)]);
  return {
    run: (maxCalls, maxMs) => client.request({ maxCalls, maxMs }),
    close: () => client.stop(),
    server,
  };
}

/**
 * A worker-pool side (bench/pool-process.js): its process runs the function, in its main thread
 * or through a pool. There is no server process, so the server CPU column shows 0; the client's
 * counts the pool's threads too.
 */
async function poolClient(_ctx, mode, workers) {
  const options = { mode, workers, rounds: POOL_ROUNDS, inFlight: 2 * Math.max(1, workers) };
  const client = await startChild('pool-process.js', [JSON.stringify(options)]);
  return {
    run: (maxCalls, maxMs) => client.request({ maxCalls, maxMs }),
    close: () => client.stop(),
    server: { cpu: async () => 0 },
  };
}

/** Starts the named web server (once) and a bench/web-client.js process in `mode` on it. */
async function webClient(ctx, serverName, mode) {
  const server = await ctx.server(serverName);
  const options = { mode, server: server.info, batch: BATCH };
  const client = await startChild('web-client.js', [JSON.stringify(options)]);
  return {
    run: (maxCalls, maxMs) => client.request({ maxCalls, maxMs }),
    close: () => client.stop(),
    server,
  };
}

/** Compiles src/ to dist/; a type error elsewhere in the tree only warns if dist/ was emitted. */
function build() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'pipe',
    });
  } catch (error) {
    if (!existsSync(`${root}dist/index.js`)) throw error;
    const first = String(error.stdout).split('\n')[0];
    log(`warning: tsc reported errors (benchmarking what it emitted): ${first}`);
  }
}

/**
 * Forks a bench script; resolves `{ info, request(message), stop() }` once it sent its first
 * message (`info`). `request` sends a message and resolves the child's reply (rejects if it exits).
 */
function startChild(script, args = [], env = {}) {
  const child = fork(new URL(script, import.meta.url), args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`${script} exited (${code}) before it was ready`)),
    );
    child.once('message', (info) => {
      const request = (message) =>
        new Promise((done, fail) => {
          const onExit = (code) => fail(new Error(`${script} exited (${code}) during a request`));
          child.once('exit', onExit);
          child.once('message', (reply) => {
            child.off('exit', onExit);
            done(reply);
          });
          child.send(message);
        });
      const stop = () => {
        if (child.connected) child.disconnect();
        return exited;
      };
      resolve({ info, request, stop });
    });
  });
}

/** Forks a server script; adds `cpu()`, its CPU time so far in microseconds. */
async function startServer({ script, env, python }) {
  if (python) return startPythonServer(python);
  const server = await startChild(script, [], env);
  const cpu = async () => {
    const { cpu } = await server.request('cpu');
    return cpu.user + cpu.system;
  };
  return { ...server, cpu };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One bounded measurement: calls/s, and CPU microseconds per call in client and server. */
async function measure(side, maxCalls) {
  await side.run(maxCalls, settings.warmupMs);
  const server0 = await side.server.cpu();
  const { calls, ms, cpuUs } = await side.run(maxCalls, settings.maxMs);
  const server = (await side.server.cpu()) - server0;
  return { rate: (calls / ms) * 1000, clientCpu: cpuUs / calls, serverCpu: server / calls };
}

/** Measures both sides of a scenario, interleaved, and returns its results. */
async function runScenario(scenario, ctx) {
  const sides = [scenario.baseline, scenario.subject];
  const opened = [];
  for (const side of sides) opened.push(await side.open(ctx));
  const maxCalls = Math.max(1000, Math.round(scenario.maxCalls * settings.callScale));
  const runs = sides.map(() => []);
  try {
    for (let run = 0; run < settings.runs; run++) {
      for (const [i, side] of opened.entries()) {
        const m = await measure(side, maxCalls);
        runs[i].push(m);
        log(`  ${scenario.name} ${sides[i].name} run ${run + 1}: ${fmt(m.rate)} calls/s`);
      }
    }
  } finally {
    for (const side of opened) await side.close();
  }
  const results = sides.map((side, i) => ({
    name: side.name,
    describe: side.describe,
    runs: runs[i].map((m) => Math.round(m.rate)),
    median: Math.round(median(runs[i].map((m) => m.rate))),
    clientCpuUs: round2(median(runs[i].map((m) => m.clientCpu))),
    serverCpuUs: round2(median(runs[i].map((m) => m.serverCpu))),
  }));
  const ratio = results[1].median / results[0].median;
  const { minRatio, minRate } = scenario.targets;
  if (scenario.bytesPerCall) {
    for (const side of results)
      side.mbPerSecond = round2((side.median * scenario.bytesPerCall) / 1e6);
  }
  return {
    name: scenario.name,
    title: scenario.title,
    sides: results,
    ratio: Number(ratio.toFixed(3)),
    targets: scenario.targets,
    met: ratio >= (minRatio ?? 0) && results[1].median >= (minRate ?? 0),
  };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const round2 = (n) => Math.round(n * 100) / 100;

function targetText({ minRatio, minRate }) {
  const parts = [];
  if (minRatio !== undefined) parts.push(`ratio >= ${minRatio}`);
  if (minRate !== undefined) parts.push(`>= ${fmt(minRate)} calls/s`);
  return parts.join(', ');
}

function printTable(results) {
  const cpu = os.cpus();
  log();
  log(`farcall bench: node ${process.version}, ${cpu.length} CPUs (${cpu[0]?.model.trim()})`);
  log(
    `median of ${settings.runs} interleaved runs, each ${settings.warmupMs} ms warm-up + up to ${settings.maxMs} ms`,
  );
  log();
  const widths = [15, 9, 12, 16, 7, 8];
  const row = (cells) =>
    log(cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' '));
  row(['scenario', 'side', 'calls/s', 'CPU us/call c/s', 'ratio', 'target']);
  for (const r of results) {
    for (const [i, side] of r.sides.entries()) {
      const cpuText = `${side.clientCpuUs.toFixed(2)} / ${side.serverCpuUs.toFixed(2)}`;
      const last = i === r.sides.length - 1;
      row([
        i === 0 ? r.name : '',
        side.name,
        fmt(side.median),
        cpuText,
        last ? r.ratio.toFixed(2) : '',
        last ? (r.met ? 'met' : 'MISSED') : '',
      ]);
    }
  }
  log();
  for (const r of results) {
    log(`${r.name}: ${r.title}; target ${targetText(r.targets)}`);
    for (const side of r.sides) {
      // For streams a call is an item: items/s, and the payload's MB/s.
      const mb = side.mbPerSecond === undefined ? '' : ` (median ${side.mbPerSecond} MB/s)`;
      log(`  ${side.name}: ${side.describe}; runs ${side.runs.map(fmt).join(', ')} calls/s${mb}`);
    }
  }
}

async function main() {
  const t0 = performance.now();
  log('building dist/ ...');
  build();
  const started = new Map();
  const ctx = {
    server: (name) => {
      if (!started.has(name)) started.set(name, startServer(SERVERS[name]));
      return started.get(name);
    },
  };
  const results = [];
  try {
    for (const scenario of scenarios) {
      if (only && !only.includes(scenario.name)) continue;
      if (scenario.needsPython && !hasPython()) {
        log(`${scenario.title}: skipped, python3 is not on the PATH`);
        continue;
      }
      log(`${scenario.title} ...`);
      results.push(await runScenario(scenario, ctx));
    }
  } finally {
    for (const server of started.values()) await (await server).stop();
    await stopNats();
  }
  if (json) {
    const machine = { node: process.version, cpus: os.cpus().length, platform: process.platform };
    process.stdout.write(`${JSON.stringify({ machine, quick, settings, results }, null, 2)}\n`);
  } else {
    printTable(results);
    log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s (build included)`);
  }
}

await main();
