import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SocketChannel } from '../../src/transport/socket.js';
import { channelLink, type TestLink } from '../helpers/link.js';

/** Helpers for the Python interop tests: Python peers that talk in JSON lines, raw sockets. */

export const PEERS = fileURLToPath(new URL('./peers/', import.meta.url));
export const HERE = fileURLToPath(new URL('./', import.meta.url));

/** A running Python script whose stdout is read one JSON line at a time. */
export class PythonPeer {
  private readonly lines: unknown[] = [];
  private readonly waiters: ((line: unknown) => void)[] = [];
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line: unknown = JSON.parse(text);
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = once(child, 'exit').then(([code]) => code as number | null);
  }

  /** The next JSON line; rejects with the script's stderr if it exits or stays silent. */
  next<T = Record<string, unknown>>(timeoutMs = 10_000): Promise<T> {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready as T);
    return new Promise<T>((resolve, reject) => {
      const fail = (why: string) =>
        reject(new Error(`python peer ${why}; stderr:\n${this.stderr}`));
      const timer = setTimeout(() => fail('printed nothing in time'), timeoutMs);
      void this.exited.then((code) => {
        setTimeout(() => fail(`exited with ${code}`), 50);
      });
      this.waiters.push((line) => {
        clearTimeout(timer);
        resolve(line as T);
      });
    });
  }

  /** Waits for the script to end; rejects with its stderr on a non-zero exit. */
  async done(): Promise<void> {
    const code = await this.exited;
    if (code !== 0) throw new Error(`python peer exited with ${code}; stderr:\n${this.stderr}`);
  }

  kill(): void {
    this.child.stdin?.end();
    if (this.child.exitCode === null) this.child.kill();
  }
}

/** Starts `script` (a path under test/python/) with JSON-encoded `spec` as its argument. */
export function startPython(python: string, script: string, spec: unknown): PythonPeer {
  const child = spawn(python, [join(HERE, script), JSON.stringify(spec)], {
    // stdin stays open: long-running peers exit when it closes, so none outlive the tests.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new PythonPeer(child);
}

/** Runs a script to the end and returns all its JSON lines. */
export async function runPython<T = Record<string, unknown>>(
  python: string,
  script: string,
  spec: unknown,
  lines: number,
): Promise<T[]> {
  const peer = startPython(python, script, spec);
  try {
    const out: T[] = [];
    for (let i = 0; i < lines; i++) out.push(await peer.next<T>(15_000));
    await peer.done();
    return out;
  } finally {
    peer.kill();
  }
}

/** A TCP server on 127.0.0.1:0 that hands each connection to `onLink`, as a channel and a link over it. */
export async function listenLinks(
  onLink: (link: TestLink, channel: SocketChannel) => void,
): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const channel = new SocketChannel(socket, 1 << 20);
    onLink(channelLink(channel, 5000), channel);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { server, port: address.port };
}

/** Connects to a TCP port or Unix path: a channel, and a link that reads its frames. */
export async function dialLink(
  address: number | string,
): Promise<{ channel: SocketChannel; link: TestLink }> {
  const socket: Socket =
    typeof address === 'number' ? netConnect(address, '127.0.0.1') : netConnect(address);
  await once(socket, 'connect');
  const channel = new SocketChannel(socket, 1 << 20);
  return { channel, link: channelLink(channel, 5000) };
}

/** A fresh directory for Unix socket paths; remove it with the returned function. */
export function socketDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'farcall-py-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
