/**
 * A real `nats-server` for the tests: started on a free 127.0.0.1 port (`-p -1`: the server
 * picks it, so no other process can take it between a probe and the start), stopped by `stop()`.
 * Without the program, the NATS tests skip and print why; in CI (`CI` set) they fail instead,
 * since `.ci/run` installs it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

export interface NatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:PORT/` + subject. */
  url(subject: string): string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Servers still running: killed when this process exits, so a failed run leaves none behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Whether `nats-server` runs here; throws in CI when it does not, else prints why and says no. */
export function natsServerAvailable(): boolean {
  const probe = spawnSync('nats-server', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const reason = `nats-server is not available (${probe.error?.message ?? probe.stderr})`;
  if (process.env.CI) throw new Error(`${reason}; CI installs it to run the NATS tests`);
  console.warn(`skipping NATS tests: ${reason}`);
  return false;
}

/**
 * Starts `nats-server` with `args` (after `-a 127.0.0.1 -p -1`); resolves once it says it is
 * ready, rejects if it exits first or is not ready within 10 s.
 */
export async function startNatsServer(args: string[] = []): Promise<NatsServer> {
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', '-1', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server was not ready within 10 s:\n${output}`));
    }, 10_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /Listening for client connections on [\d.]+:(\d+)/.exec(output);
      if (listening && output.includes('Server is ready')) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
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
