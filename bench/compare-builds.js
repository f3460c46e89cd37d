// Compares the CPU cost of a unary call between two builds of farcall, for changes that must
// cost nothing (docs/benchmarks.md, "Interceptors"):
//
//   node bench/compare-builds.js OTHER/dist/index.js [ROUNDS]
//
// Each measurement is a fresh process that imports one build, serves `echo` on 127.0.0.1 and
// calls it 200,000 times with 256 calls in flight, both ends in that process, and prints the
// CPU microseconds per call. The builds (and, for this one, one interceptor on either end) are
// measured in turn, ROUNDS times (default 8); the medians are printed. Every run is bounded by
// its call count.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CALLS = 200_000;
const WINDOW = 256;

if (process.argv[2] === '--child') {
  const [, , , dist, which] = process.argv;
  const { serve, connect, close } = await import(dist);
  const pass = (_call, next) => next();
  const server = await serve(
    { echo: (x) => x },
    { listen: 'tcp://127.0.0.1:0', logger: false, use: which === 'server' ? pass : undefined },
  );
  const remote = await connect(server.url, { use: which === 'client' ? pass : undefined });
  const run = (count) =>
    new Promise((resolve, reject) => {
      const cpu = process.cpuUsage();
      let sent = 0;
      let done = 0;
      const issue = () => {
        sent++;
        remote.echo(42).then(() => {
          done++;
          if (sent < count) issue();
          else if (done === sent) {
            const used = process.cpuUsage(cpu);
            resolve((used.user + used.system) / count);
          }
        }, reject);
      };
      for (let i = 0; i < WINDOW; i++) issue();
    });
  await run(CALLS / 4); // warm-up
  const perCall = await run(CALLS);
  await close(remote);
  await server.close();
  process.stdout.write(`${perCall}\n`);
  process.exit(0);
}

const other = process.argv[2];
if (!other) throw new Error('usage: node bench/compare-builds.js OTHER/dist/index.js [ROUNDS]');
const rounds = Number(process.argv[3] ?? 8);
const here = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const sides = [
  ['other build, none', other, 'none'],
  ['this build, none', here, 'none'],
  ['this build, one server interceptor', here, 'server'],
  ['this build, one client interceptor', here, 'client'],
];
const results = sides.map(() => []);
for (let round = 0; round < rounds; round++) {
  for (const [i, [, dist, which]] of sides.entries()) {
    const out = execFileSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', dist, which],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    results[i].push(Number(out));
  }
}
for (const [i, [name]] of sides.entries()) {
  const sorted = [...results[i]].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  console.log(`${name.padEnd(36)} ${median.toFixed(2)} us/call (min ${sorted[0].toFixed(2)})`);
}
