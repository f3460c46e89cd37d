/**
 * Bad input over the web transports, one test per case, each over a real socket on 127.0.0.1:
 * a body over the limit (413 before it is read whole), a body that trickles (408 at
 * `limits.requestTimeoutMs`), a WebSocket message over the limit (closed with 1009), and a
 * WebSocket upgrade that never completes (closed at `limits.handshakeTimeoutMs`). After each, an
 * honest client is still served, and the server said why in its log.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { close, connect, type Server, serve } from '../../src/index.js';
import { captureLogger } from '../helpers/log.js';

const api = { add: (x: number, y: number) => x + y };
const MAX_FRAME = 4096;
const log = captureLogger();
let server: Server;
let httpUrl: string;
let wsUrl: string;
let port: number;

beforeAll(async () => {
  server = await serve(api, {
    listen: ['http://127.0.0.1:0/rpc', 'ws://127.0.0.1:0/ws'],
    // Short deadlines for the slow cases, long enough for an honest opening on a loaded machine.
    limits: { maxFrameBytes: MAX_FRAME, requestTimeoutMs: 400, handshakeTimeoutMs: 2000 },
    logger: log,
  });
  [httpUrl, wsUrl] = server.urls as [string, string];
  port = Number(new URL(httpUrl).port);
});
afterAll(() => server.close());

/** An honest client over both transports: the server serves on. */
async function stillServes(): Promise<void> {
  for (const url of [httpUrl, wsUrl]) {
    const remote = await connect<typeof api>(url);
    expect(await remote.add(2, 3)).toBe(5);
    await close(remote);
  }
}

/** A raw socket: writes what it is told, collects what comes back until the server closes it. */
function raw(): {
  socket: net.Socket;
  write(text: string | Uint8Array): void;
  closed: Promise<string>;
} {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  return { socket, write: (data) => socket.write(data), closed };
}

const headers = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

describe('bad input over http:// and ws://', () => {
  it('answers 413 to a declared body over the limit, before a byte of it is sent', async () => {
    const client = raw();
    client.write(
      headers([
        'POST /rpc HTTP/1.1',
        'host: 127.0.0.1',
        'content-type: application/x-msgpack',
        `content-length: ${10 * 1024 * 1024}`,
      ]),
    );
    // The body never comes; the answer does, and the connection closes.
    const answer = await client.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('limits.maxFrameBytes');
    expect(log.lines.some((l) => l.includes('over the limit'))).toBe(true);
    await stillServes();
  });

  it('answers 413 to a chunked body as soon as it passes the limit', async () => {
    const client = raw();
    client.write(
      headers([
        'POST /rpc HTTP/1.1',
        'host: 127.0.0.1',
        'content-type: application/x-msgpack',
        'transfer-encoding: chunked',
      ]),
    );
    const chunk = `${(1024).toString(16)}\r\n${'x'.repeat(1024)}\r\n`;
    // Up to twice the limit, never the end of the body: the answer comes first.
    for (let i = 0; i < 8 && !client.socket.destroyed; i++) client.write(chunk);
    const answer = await client.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    await stillServes();
  });

  it('answers 408 to a body that trickles past limits.requestTimeoutMs, and closes', async () => {
    const client = raw();
    client.write(
      headers([
        'POST /rpc HTTP/1.1',
        'host: 127.0.0.1',
        'content-type: application/x-msgpack',
        'content-length: 100',
      ]),
    );
    client.write('x');
    const answer = await client.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('limits.requestTimeoutMs');
    expect(log.lines.some((l) => l.includes('did not arrive whole'))).toBe(true);
    await stillServes();
  });

  it('closes a WebSocket whose message is over the limit with 1009', async () => {
    const ws = new WebSocket(wsUrl);
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => {});
    // Before its opening, a peer may send only limits.maxHandshakeBytes; this is past even
    // maxFrameBytes.
    ws.send(new Uint8Array(MAX_FRAME + 1));
    expect(await closed).toBe(1009);
    await stillServes();
  });

  it('closes a WebSocket that sends a text message where binary frames go, with 1008', async () => {
    const ws = new WebSocket(wsUrl);
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send('{"jsonrpc": "2.0"}');
    expect(await closed).toBe(1008);
    await stillServes();
  });

  it('closes a WebSocket upgrade that never completes its headers', async () => {
    const client = raw();
    client.write(
      'GET /ws HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\n',
    );
    // The blank line that ends the headers never comes; the server closes at its deadline
    // (Node answers 408 on the way out).
    const answer = await client.closed;
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    await stillServes();
  });
});
