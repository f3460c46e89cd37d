/**
 * Small hostile inputs against real processes, both ways across the Python protocol:
 *
 * - a farcall server (`fixtures/echo-server.ts`, a child process, so a crash or a runaway heap
 *   is what the test sees) fed a 24 MiB pickle of EMPTY_DICTs by a raw socket: it must refuse
 *   it at `limits.maxItems`, close that connection, say why, and serve the next client;
 * - the same server echoing a list that holds one 1 MiB string 300 times, sent by CPython
 *   (which memoizes the string): the answer must not be 300 MiB;
 * - a farcall client (a child process too: a tree walk over a DAG would never return) calling
 *   a rogue recipe-style Python server whose answer is a 400-byte exception with a DAG as
 *   args: it must get a `RemoteError` with a bounded message at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { close, connect } from '../../src/index.js';
import { describeWithPython, pythonCommand } from '../helpers/python.js';
import { header } from '../helpers/raw-client.js';
import { runPython, startPython } from './support.js';

const MiB = 1024 * 1024;
const FIXTURE = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));
const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

/** A child process's resident set now and at its peak, in bytes (Linux `/proc`). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** The first line a child prints, or a rejection with what it wrote on stderr. */
async function firstLine(
  child: ChildProcess,
  stderr: () => string,
  timeoutMs = 15_000,
): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill(), timeoutMs);
  try {
    const [line] = (await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(([code, signal]) => {
        throw new Error(`child exited (${code ?? signal}) before printing; stderr:\n${stderr()}`);
      }),
    ])) as [string];
    return line;
  } finally {
    clearTimeout(timer);
  }
}

/** Sends `payload` as one `multiprocessing.connection` frame and resolves once the peer closes. */
async function sendFrame(port: number, payload: Uint8Array): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  // The server may close while the body is still going out: a reset is what it looks like.
  socket.on('error', () => {});
  socket.write(header(payload.length));
  socket.write(payload);
  socket.resume();
  await once(socket, 'close');
}

describeWithPython('python protocol: a farcall server fed hostile pickles', () => {
  let child: ChildProcess;
  let url: string;
  let port: number;
  let stderr = '';

  beforeAll(async () => {
    // A frame limit above the pickle, so the decoder is what meets it. The heap is capped at
    // 1 GiB so that an unbounded decoder dies quickly rather than take the machine's memory.
    const limits = JSON.stringify({ maxFrameBytes: 32 * MiB });
    child = spawn(
      process.execPath,
      ['--max-old-space-size=1024', '--import', 'tsx', FIXTURE, limits],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    url = await firstLine(child, () => stderr);
    port = Number(new URL(url).port);
  });

  afterAll(() => {
    child.kill();
  });

  /** Resolves once the server's log has a line matching `pattern`. */
  async function logged(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (let round = 0; Date.now() < deadline && round < 1000; round++) {
      const line = stderr.split('\n').find((text) => pattern.test(text));
      if (line !== undefined) return line;
      if (child.exitCode !== null || child.signalCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no log line matching ${pattern}; server stderr:\n${stderr}`);
  }

  it('refuses 24 MiB of EMPTY_DICTs at limits.maxItems, stays up with a bounded heap, serves the next client', async () => {
    const pickle = Buffer.alloc(24 * MiB, '}');
    pickle.set([0x80, 4], 0);
    pickle[pickle.length - 1] = 0x2e;
    await sendFrame(port, pickle);
    const line = await logged(/closing connection from .*limits\.maxItems/);
    expect(line).toContain('pickle holds more than 1000000 values');
    expect(line.length).toBeLessThan(200);

    const remote = await connect<{ echo(value: string): string }>(url, {
      protocol: 'python',
      timeout: 2000,
      logger: false,
    });
    try {
      expect(await remote.echo('still serving')).toBe('still serving');
    } finally {
      await close(remote);
    }
    expect(child.exitCode).toBeNull();
    const memory = memoryOf(child.pid!);
    expect(memory.rss).toBeLessThan(512 * MiB);
    expect(memory.peak).toBeLessThan(512 * MiB);
  });

  it('echoes one 1 MiB string held 300 times in about the size of the request', async () => {
    const [run] = await runPython<{
      request_bytes: number;
      answer_bytes: number;
      equal: boolean;
      shared: boolean;
    }>(pythonCommand(), 'peers/repeat_client.py', { port, size: MiB, times: 300 }, 1);
    expect(run!.request_bytes).toBeLessThan(MiB + 4096);
    expect(run!.answer_bytes).toBeLessThan(2 * run!.request_bytes);
    expect(run!.equal).toBe(true);
    expect(run!.shared).toBe(true);
  });
});

describeWithPython('python protocol: a farcall client calling a rogue Python server', () => {
  it('gets a RemoteError with a bounded message for an exception whose args are a DAG', async () => {
    const server = startPython(pythonCommand(), 'peers/rogue_server.py', {});
    try {
      const { port } = await server.next<{ port: number }>();
      const script = `
        import { close, connect, RemoteError } from ${JSON.stringify(INDEX)};
        const remote = await connect('tcp://127.0.0.1:${port}', { protocol: 'python', logger: false, timeout: 5000 });
        try {
          await remote.anything(1);
          console.log(JSON.stringify({ resolved: true }));
        } catch (error) {
          const dag = error.data?.args?.[1];
          console.log(JSON.stringify({
            remote: error instanceof RemoteError, name: error.name, message: error.message,
            shared: Array.isArray(dag) && dag[0] === dag[1],
          }));
        }
        await close(remote);`;
      let stderr = '';
      const client = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      client.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      // A client that walks the DAG as a tree never prints: it is killed and the test fails.
      const outcome = JSON.parse(await firstLine(client, () => stderr)) as Record<string, unknown>;
      const { answer_bytes: answerBytes } = await server.next<{ answer_bytes: number }>();
      expect(answerBytes).toBeLessThan(512);
      expect(outcome.remote).toBe(true);
      expect(outcome.name).toBe('ValueError');
      const message = outcome.message as string;
      expect(message.startsWith("('rogue', [[[[")).toBe(true);
      expect(message.length).toBeLessThanOrEqual(4096);
      expect(message.endsWith('…')).toBe(true);
      expect(outcome.shared).toBe(true);
    } finally {
      server.kill();
    }
  });
});
