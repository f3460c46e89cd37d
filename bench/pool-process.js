// One side of a worker-pool scenario, forked by bench/run.js. argv[2] is JSON:
// `{ mode, workers, rounds, inFlight }`. Mode 'main' calls hash(rounds) in a loop in this
// process's main thread; mode 'pool' calls it through a worker pool of `workers` threads (the
// built package, imported by name), keeping `inFlight` calls in flight so that no thread waits
// for the next call. Protocol over IPC as bench/client-process.js: `{ ready }`, then each
// `{ maxCalls, maxMs }` is answered `{ calls, ms, cpuUs }`; the CPU time is the whole process's,
// pool threads included. Disconnecting closes and exits.
import { hash } from './pool-hash.js';

const { mode, workers, rounds, inFlight } = JSON.parse(process.argv[2]);

/** Calls `hash` in a loop for up to `maxCalls` or `maxMs`, whichever ends first. */
function inMainThread(maxCalls, maxMs) {
  const start = performance.now();
  let calls = 0;
  while (calls < maxCalls && performance.now() - start < maxMs) {
    hash(rounds);
    calls++;
  }
  return { calls, ms: performance.now() - start };
}

/** The same through the pool, `inFlight` at a time. */
async function inPool(remote, maxCalls, maxMs) {
  const start = performance.now();
  let started = 0;
  let calls = 0;
  const lane = async () => {
    while (started < maxCalls && performance.now() - start < maxMs) {
      started++;
      await remote.hash(rounds);
      calls++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { calls, ms: performance.now() - start };
}

async function open() {
  if (mode === 'main') return { run: async (n, ms) => inMainThread(n, ms), close: async () => {} };
  const { workerPool } = await import('farcall');
  const pool = await workerPool(new URL('./pool-hash.js', import.meta.url), { workers });
  await pool.remote.hash(1); // every thread has loaded the module; one call warms the path
  return { run: (n, ms) => inPool(pool.remote, n, ms), close: () => pool.close() };
}

const side = await open();
process.on('message', async ({ maxCalls, maxMs }) => {
  const cpu0 = process.cpuUsage();
  const { calls, ms } = await side.run(maxCalls, maxMs);
  const cpu = process.cpuUsage(cpu0);
  process.send({ calls, ms, cpuUs: cpu.user + cpu.system });
});
process.on('disconnect', async () => {
  await side.close();
  process.exit(0);
});
process.send({ ready: true });
