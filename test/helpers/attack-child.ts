/**
 * The attack suite's harness: the server under attack runs in a child process
 * (test/hostile/fixtures/attack-server.mjs) so a test can see it crash, run out of heap or
 * freeze, and still report; clients that may be frozen by what a rogue server sends run in a
 * child too (attack-client.mjs). Both import the built package, so `startChild` refuses a dist/
 * older than src/ rather than attack yesterday's code.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type ConnectOptions, close, connect } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = fileURLToPath(new URL('../hostile/fixtures/attack-server.mjs', import.meta.url));
const CLIENT = fileURLToPath(new URL('../hostile/fixtures/attack-client.mjs', import.meta.url));
/** Log lines kept per child; a flood of refusals must not grow the test's memory without bound. */
const MAX_LOG_LINES = 20_000;
/** The bound on a fresh honest client, from the definition of done. */
export const SERVED_WITHIN_MS = 2000;

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Throws unless dist/ was built after every file in src/ last changed. */
export function assertBuilt(): void {
  let built: number;
  try {
    built = statSync(join(ROOT, 'dist/index.js')).mtimeMs;
  } catch {
    throw new Error("dist/ is missing: run 'npm run build' first");
  }
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (statSync(path).mtimeMs > built) {
        throw new Error(`dist/ is older than ${path}: run 'npm run build' first`);
      }
    }
  };
  walk(join(ROOT, 'src'));
}

/** What the child's `serve` gets (as JSON): any serve option, `limits` among them. */
export type ChildOptions = Record<string, unknown>;

export interface AttackChild {
  readonly url: string;
  readonly pid: number;
  /** Resident memory now, in MiB (VmRSS). */
  rssMiB(): number;
  /** The most resident memory the process has had, in MiB (VmHWM): catches a passing peak. */
  peakRssMiB(): number;
  /** True until the process exits. */
  alive(): boolean;
  /** The server's log lines (standard error), oldest first. */
  readonly logs: string[];
  /** Resolves with the first log line matching `pattern`, already logged or to come. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Kills the process (SIGKILL) and waits for it to go. */
  kill(): Promise<void>;
  /** The exit code once it exited by itself (null before, or when killed by a signal). */
  readonly exitCode: number | null;
  /** The signal that ended it, if one did. */
  readonly signal: NodeJS.Signals | null;
}

function memoryField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Splits a stream into lines, calling `onLine` for each whole one. */
function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const part of parts) onLine(part);
  });
}

/**
 * Starts attack-server.mjs with `options` and resolves once it prints its URL (rejects with its
 * standard error if it exits first, or after 10 s). `nodeArgs` go to node before the script.
 */
export async function startChild(
  options: ChildOptions = {},
  nodeArgs: string[] = [],
): Promise<AttackChild> {
  assertBuilt();
  const child = spawn(process.execPath, [...nodeArgs, SERVER, JSON.stringify(options)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));

  const logs: string[] = [];
  const waiters: { pattern: RegExp; resolve(line: string): void }[] = [];
  lines(child.stderr!, (line) => {
    logs.push(line);
    if (logs.length > MAX_LOG_LINES) logs.shift();
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the attack server did not start')), 10_000);
    lines(child.stdout!, (line) => {
      const match = /^listening on (\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the attack server exited before listening:\n${logs.join('\n')}`));
    });
  });

  const pid = child.pid!;
  return {
    url,
    pid,
    rssMiB: () => memoryField(pid, 'VmRSS'),
    peakRssMiB: () => memoryField(pid, 'VmHWM'),
    alive: () => child.exitCode === null && child.signalCode === null,
    logs,
    waitForLog(pattern, timeoutMs = 2000) {
      const found = logs.find((line) => pattern.test(line));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          const tail = logs.slice(-20).join('\n');
          reject(
            new Error(`no log line matching ${pattern} within ${timeoutMs} ms; last:\n${tail}`),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    get exitCode() {
      return child.exitCode;
    },
    get signal() {
      return child.signalCode;
    },
  };
}

interface Adder {
  add(x: number, y: number): number;
}

/**
 * The definition of done: a fresh farcall client connects (with `options`, the authkey
 * among them), calls `add(2, 3)`, gets 5, and all of it within 2 s of the attempt. A server that
 * does not answer fails this after 2.5 s instead of hanging the test; the late client is closed
 * whenever it gets through.
 */
export async function honestClientServed(url: string, options: ConnectOptions = {}): Promise<void> {
  const start = performance.now();
  const attempt = (async () => {
    const remote = await connect<Adder>(url, { logger: false, timeout: 2500, ...options });
    try {
      const sum = await remote.add(2, 3);
      return { sum, ms: performance.now() - start };
    } finally {
      void close(remote);
    }
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<{ error: string }>((resolve) => {
    timer = setTimeout(
      () => resolve({ error: `not served within ${SERVED_WITHIN_MS + 500} ms` }),
      SERVED_WITHIN_MS + 500,
    );
  });
  const outcome = await Promise.race([
    attempt.catch((error: unknown) => ({ error: String(error) })),
    late,
  ]);
  clearTimeout(timer);
  attempt.catch(() => {}); // a late failure of an attempt already given up on
  expect(outcome, 'an honest client is served').not.toHaveProperty('error');
  const served = outcome as { sum: number; ms: number };
  expect(served.sum).toBe(5);
  expect(served.ms, 'an honest client is served within 2 s').toBeLessThan(SERVED_WITHIN_MS);
}

/**
 * `honestClientServed`, started now and awaited later, while the attack runs: the promise never
 * counts as unhandled if a test fails before awaiting it.
 */
export function servedMeanwhile(url: string, options: ConnectOptions = {}): Promise<void> {
  const served = honestClientServed(url, options);
  served.catch(() => {});
  return served;
}

export interface ClientRun {
  /** What the client printed as its last line of JSON; undefined when it hung or crashed. */
  result: Record<string, unknown> | undefined;
  /** True when it was still running at the deadline and was killed. */
  killed: boolean;
  stderr: string;
}

/**
 * Runs attack-client.mjs with `spec` (JSON: the scenario and its url and options) and kills it
 * after `deadlineMs`: a client a hostile peer can freeze is observed from outside.
 */
export function runClient(spec: Record<string, unknown>, deadlineMs: number): Promise<ClientRun> {
  assertBuilt();
  const child = spawn(process.execPath, [CLIENT, JSON.stringify(spec)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 100_000) stderr += chunk;
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, deadlineMs);
  return new Promise((resolve) => {
    child.once('exit', () => {
      clearTimeout(timer);
      children.delete(child);
      const last = stdout.trim().split('\n').pop();
      let result: Record<string, unknown> | undefined;
      try {
        result = last ? (JSON.parse(last) as Record<string, unknown>) : undefined;
      } catch {
        result = undefined;
      }
      resolve({ result, killed, stderr });
    });
  });
}
