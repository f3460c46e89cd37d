/**
 * A real `nats-server` for the tests: started on a free 127.0.0.1 port, stopped by `stop()`.
 * Without the program, the NATS tests skip and print why; in CI (`CI` set) they fail instead,
 * since `.ci/run` installs it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export interface NatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:PORT/` + subject. */
  url(subject: string): string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Whether `nats-server` runs here; throws in CI when it does not, else prints why and says no. */
export function natsServerAvailable(): boolean {
  const probe = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const reason = `nats-server is not available (${probe.error?.message ?? probe.stderr})`;
  if (process.env.CI) throw new Error(`${reason}; CI installs it to run the NATS tests`);
  console.warn(`skipping NATS tests: ${reason}`);
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `nats-server` with `args` (after `-a 127.0.0.1 -p PORT`); resolves once it says it is
 * ready, rejects if it exits first or is not ready within 10 s.
 */
export async function startNatsServer(args: string[] = []): Promise<NatsServer> {
  const port = await freePort();
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server was not ready within 10 s:\n${output}`));
    }, 10_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code}) before it was ready:\n${output}`));
    });
  });
  // Its later log is not kept: a long run must not grow this process.
  child.stderr!.removeAllListeners('data');
  child.stderr!.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    url: (subject) => `nats://127.0.0.1:${port}/${subject}`,
    process: child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
