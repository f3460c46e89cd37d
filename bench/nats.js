// The NATS scenarios of `npm run bench` (bench/run.js runs them with the others): farcall over
// NATS beside a raw NATS request/reply of the same bytes, one call in flight and many; and one
// to three farcall server processes behind one subject, to show how throughput grows on this
// machine, and what limits it. They share one nats-server on 127.0.0.1 (`-p -1`), started on
// first use; each run logs the CPU time it took per call: the broker is a process on the same
// cores.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Calls kept in flight by the pipelined and scaling clients. */
const WINDOW = 64;
/** Iterations of the scaling runs' `work()`: about a quarter of a millisecond of CPU here. */
const WORK = 50_000;

/** CPU time (user + system) of a process in microseconds, from /proc (Linux). */
function procCpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Starts nats-server on a port it picks; resolves `{ url(subject), cpu(), stop() }`. */
function startNatsServer() {
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', '-1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`nats-server exited (${code}):\n${output}`)));
    child.stderr.on('data', (chunk) => {
      output += chunk;
      const port = /Listening for client connections on [\d.]+:(\d+)/.exec(output)?.[1];
      if (!port || !output.includes('Server is ready')) return;
      child.stderr.removeAllListeners('data');
      child.stderr.resume();
      const exited = new Promise((done) => child.once('exit', done));
      resolve({
        url: (subject) => `nats://127.0.0.1:${port}/${subject}`,
        cpu: () => procCpuUs(child.pid),
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

let broker;
/** The nats-server every NATS scenario shares, started on first use. */
const natsServer = () => {
  broker ??= startNatsServer();
  return broker;
};

/** Stops the nats-server, if a scenario started it. */
export async function stopNats() {
  if (broker) await (await broker).stop();
  broker = undefined;
}

/**
 * One side: `servers` server processes of `kind` on a subject of its own, and a client process
 * in `mode`. Its `server.cpu()` adds up the servers'; each run logs the broker's CPU per call.
 */
async function natsSide({ startChild, log }, name, { kind, servers, mode, window, work }) {
  const broker = await natsServer();
  const url = broker.url(`bench.${name}`);
  const started = [];
  for (let i = 0; i < servers; i++) {
    started.push(await startChild('nats-server.js', [JSON.stringify({ kind, url, work })]));
  }
  const client = await startChild('nats-client.js', [
    JSON.stringify({ mode, url, window, request: started[0].info.request }),
  ]);
  return {
    run: async (maxCalls, maxMs) => {
      const before = broker.cpu();
      const result = await client.request({ maxCalls, maxMs });
      const perCall = (broker.cpu() - before) / result.calls;
      const busy = (broker.cpu() - before) / 1000 / result.ms;
      log(
        `    ${name}: nats-server ${perCall.toFixed(1)} us CPU/call, ${(busy * 100).toFixed(0)}% of a core`,
      );
      return result;
    },
    close: async () => {
      await client.stop();
      for (const server of started) await server.stop();
    },
    server: {
      cpu: async () => {
        let total = 0;
        for (const server of started) {
          const { cpu } = await server.request('cpu');
          total += cpu.user + cpu.system;
        }
        return total;
      },
    },
  };
}

/** Whether nats-server runs here; the NATS scenarios are left out (with a line) if not. */
function haveNatsServer() {
  return spawnSync('nats-server', ['--version']).status === 0;
}

/** The NATS scenarios, in bench/run.js's shape; none when nats-server is missing. */
export function natsScenarios(helpers) {
  if (!haveNatsServer()) {
    helpers.log('NATS scenarios: skipped, nats-server is not on the PATH');
    return [];
  }
  const side = (name, describe, options) => ({
    name,
    describe,
    open: () => natsSide(helpers, `${options.label}`, options),
  });
  const scaling = (n) => ({
    name: `nats-x${n}`,
    title: `NATS: ${n} farcall server processes behind one subject vs 1, CPU-bound calls`,
    maxCalls: 100_000,
    // The ratio is the speed-up; on two cores the broker and the client take their share.
    targets: { minRatio: 1 },
    baseline: side(
      '1 server',
      `${WINDOW} remote.work() in flight, ~0.25 ms of CPU each, 1 server`,
      {
        label: `x${n}-one`,
        kind: 'farcall',
        servers: 1,
        mode: 'work',
        window: WINDOW,
        work: WORK,
      },
    ),
    subject: side(`${n} servers`, `the same, ${n} servers in the queue group`, {
      label: `x${n}-many`,
      kind: 'farcall',
      servers: n,
      mode: 'work',
      window: WINDOW,
      work: WORK,
    }),
  });
  const versus = (name, title, window, targets) => ({
    name,
    title,
    maxCalls: 200_000,
    targets,
    baseline: side(
      'raw',
      `NATS request() of a farcall echo call's bytes and headers, answered with its answer's, ${window} in flight`,
      {
        label: `${name}-raw`,
        kind: 'raw',
        servers: 1,
        mode: 'raw',
        window,
      },
    ),
    subject: side('farcall', `remote.echo(42) over nats://, ${window} in flight`, {
      label: `${name}-farcall`,
      kind: 'farcall',
      servers: 1,
      mode: 'echo',
      window,
    }),
  });
  return [
    versus('nats-seq', 'NATS request/reply, one call in flight', 1, { minRatio: 0.5 }),
    versus('nats-pipe', `NATS request/reply, ${WINDOW} calls in flight`, WINDOW, { minRatio: 0.3 }),
    scaling(2),
    scaling(3),
  ];
}
