/** Farcall servers and ZeroMQ devices in processes of their own, for the tests that kill one. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = fileURLToPath(new URL('./fixtures/server.ts', import.meta.url));

export interface Child {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** The first match of `pattern` in its output, within `ms` (rejects with its stderr). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then the `ran N` it prints as it exits. */
  stop(): Promise<number>;
  kill(): void;
}

/** Starts `args` under node (tsx loaded, from the repository root). */
export function startNode(args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const waitFor = (pattern: RegExp, ms = 20_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stdout);
        if (!match) return false;
        listeners.delete(onData);
        clearTimeout(timer);
        resolve(match);
        return true;
      };
      const onData = () => void check();
      const timer = setTimeout(() => {
        listeners.delete(onData);
        reject(new Error(`no ${pattern} within ${ms} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
      }, ms);
      if (check()) return;
      listeners.add(onData);
      child.once('exit', (code) => {
        if (check()) return;
        clearTimeout(timer);
        listeners.delete(onData);
        reject(new Error(`exited ${code} before ${pattern}; stderr:\n${stderr}`));
      });
    });
  return {
    child,
    output: () => stdout,
    waitFor,
    async stop() {
      child.kill('SIGTERM');
      return Number((await waitFor(/^ran (\d+)$/m))[1]);
    },
    kill() {
      child.stdin?.end();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** A farcall server (test/zmq/fixtures/server.ts) and the URL it printed. */
export async function startServer(
  listen: string,
  protocol = 'farcall',
  name = 'server',
): Promise<Child & { url: string }> {
  const server = startNode([SERVER, listen, protocol, name]);
  try {
    const [, url] = await server.waitFor(/^listening on (\S+)$/m);
    return Object.assign(server, { url: url! });
  } catch (error) {
    server.kill();
    throw error;
  }
}
