/**
 * Runs the built CLI (`dist/cli/main.js`) as a child process, the way a user runs it. The
 * tests need a fresh `dist/`: `npm test` builds first; `assertBuilt` fails fast otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const fixture = (name: string) =>
  fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Throws unless every `src/cli/*.ts` has a `dist/cli/*.js` built after it. */
export function assertBuilt(): void {
  const src = new URL('../../src/cli/', import.meta.url);
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
    const built = new URL(`../../dist/cli/${file.replace(/\.ts$/, '.js')}`, import.meta.url);
    let stale: boolean;
    try {
      stale = statSync(built).mtimeMs < statSync(new URL(file, src)).mtimeMs;
    } catch {
      stale = true;
    }
    if (stale) throw new Error(`dist/cli/${file} is missing or stale: run 'npm run build' first`);
  }
}

/** The environment for a child: ours, minus a FARCALL_AUTHKEY the developer may have set. */
function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('FARCALL_AUTHKEY' in extra)) delete env.FARCALL_AUTHKEY;
  return env;
}

export interface RunResult {
  /** The exit code; null when the child was killed (it hung past `timeoutMs`). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
  /** Milliseconds from the first stdout output to exit (NaN with no output). */
  lingerMs: number;
}

/** Runs `farcall ARGS…` to completion; kills it after `timeoutMs` (default 10 s). */
export function run(
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<RunResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv(options.env) });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let outputAt = Number.NaN;
    child.stdout.on('data', (chunk) => {
      if (stdout === '') outputAt = Date.now();
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const now = Date.now();
      resolve({ code, stdout, stderr, ms: now - started, lingerMs: now - outputAt });
    });
  });
}

/** Serve processes still running, so a failed test cannot leave one behind. */
const running = new Set<ChildProcess>();

/** Kills every serve process a test started and did not stop (call it in `afterAll`). */
export function killServers(): void {
  for (const child of running) child.kill('SIGKILL');
}

export interface Served {
  readonly child: ChildProcess;
  /** The URLs from the `listening on URL` lines, in order. */
  readonly urls: string[];
  stdout(): string;
  stderr(): string;
  /** Resolves once `text` has appeared on the server's stderr. */
  waitForStderr(text: string): Promise<void>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `farcall serve ARGS…` and resolves once it printed one `listening on` line per
 * `--listen`. Rejects with its output if it exits or takes over 10 s first.
 */
export function startServe(
  args: string[],
  env?: Record<string, string | undefined>,
): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd: ROOT, env: childEnv(env) });
  const expected = args.filter((a) => a === '--listen').length;
  let stdout = '';
  let stderr = '';
  running.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  void exited.then(() => running.delete(child));
  const served: Served = {
    child,
    urls: [],
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStderr: (text) =>
      new Promise((resolve) => {
        const check = () => {
          if (!stderr.includes(text)) return;
          child.stderr?.off('data', check);
          resolve();
        };
        child.stderr?.on('data', check);
        check();
      }),
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start in 10 s:\n${stdout}\n${stderr}`));
    }, 10_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const urls = [...stdout.matchAll(/^listening on (\S+)$/gm)].map((m) => m[1]!);
      if (urls.length >= expected && served.urls.length === 0) {
        served.urls.push(...urls);
        clearTimeout(timer);
        resolve(served);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });
}
