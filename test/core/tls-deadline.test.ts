/**
 * tls:// peers that never finish the TLS handshake: the listener closes them at its handshake
 * deadline (silent or trickling a byte at a time), serves real TLS clients meanwhile, tells the
 * server of each connection in its TLS phase (`onPending`), and destroys the ones still in it
 * when it closes, without waiting on them.
 *
 * The deadline is waited on in a child process, and the test asserts only the outcome (each raw
 * socket sees `close`, each wait bounded): Node's TLS handshake timer and socket timers are not
 * run by Vitest's fake clock, and a child shows that the server side really closes the socket,
 * where in one process the test could not tell its own closing from the server's. The rest of
 * the file needs no clock and runs in process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Listener, listen, type PendingTls } from '../../src/transport/net.js';
import { makeCerts, opensslAvailable, type TestCerts } from '../helpers/certs.js';

const SILENT = 50;
/** Bound on any one wait; the deadline under test is 300 ms. */
const BOUND_MS = 8000;

/** `promise`, or a rejection with `what` if it has not settled within `ms`. */
function withBound<T>(promise: Promise<T>, what: string, ms = BOUND_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** A raw TCP socket, connected, that sends nothing; `closed` resolves when it sees `close`. */
async function silentSocket(port: number): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const closed = once(socket, 'close').then(() => {});
  await once(socket, 'connect');
  return { socket, closed };
}

/**
 * A TLS client whose `echo` sends a line and resolves with what comes back. Its own handshake
 * must beat the 300 ms deadline under test; on a loaded machine the first one in a fresh child
 * may not, and is reset, so the handshake is tried up to three times.
 */
async function tlsClient(port: number, ca: string) {
  let connected: tls.TLSSocket | undefined;
  let resets = 0;
  while (!connected) {
    const candidate = tls.connect({ host: '127.0.0.1', port, ca });
    try {
      await withBound(once(candidate, 'secureConnect'), 'no TLS handshake');
      connected = candidate;
    } catch (error) {
      candidate.destroy();
      if (++resets >= 3 || (error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
    }
  }
  const socket = connected;
  const echo = async (text: string) => {
    const reply = once(socket, 'data');
    socket.write(text);
    const [data] = (await withBound(reply, 'no echo')) as [Buffer];
    return data.toString();
  };
  // Each reset was a handshake the server timed out, and logged.
  return { socket, echo, resets };
}

/** Resolves once `condition()` holds, checking every 10 ms, at most BOUND_MS. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > BOUND_MS) throw new Error(`${what}: not within ${BOUND_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(!opensslAvailable())('tls:// handshake deadline', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs?.cleanup());

  describe('in a child process, with handshakeTimeoutMs: 300', () => {
    let child: ChildProcess;
    let port: number;
    const ask = async (message: object) => {
      const reply = once(child, 'message');
      child.send(message);
      const [answer] = await withBound(reply, 'the child did not answer');
      return answer as { port?: number; tlsErrors?: string[]; pending?: number };
    };

    beforeAll(async () => {
      const script = `
        import { listen } from ${JSON.stringify(new URL('../../src/transport/net.ts', import.meta.url).pathname)};
        const tlsErrors = [];
        let listener;
        process.on('message', async (message) => {
          if (message.tls) {
            listener = await listen({ scheme: 'tls', host: '127.0.0.1', port: 0 }, message.tls,
              (socket) => socket.on('data', (data) => socket.write(data)),
              (error) => tlsErrors.push(error.message), { handshakeTimeoutMs: 300 });
            process.send({ port: listener.address.port });
          } else if (message.stats) {
            process.send({ tlsErrors, pending: listener.pendingTls });
          }
        });`;
      child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      const started = await ask({ tls: { key: certs.serverKey, cert: certs.serverCert } });
      port = started.port!;
    }, 20_000);
    afterAll(() => {
      child?.kill();
    });

    it(`closes ${SILENT} silent sockets and a trickling one, serving a TLS client meanwhile`, async () => {
      const client = await tlsClient(port, certs.caCert);
      expect(await client.echo('before')).toBe('before');
      const silent = await Promise.all(Array.from({ length: SILENT }, () => silentSocket(port)));
      // A peer that starts a TLS record announcing 16 KiB, then sends a byte every 100 ms: it
      // keeps Node's idle timer re-armed, and only the deadline from accept closes it.
      const trickler = await silentSocket(port);
      trickler.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00]));
      let sent = 0;
      const drip = setInterval(() => {
        if (sent++ < 80 && !trickler.socket.destroyed) trickler.socket.write(Buffer.from([0]));
      }, 100);
      try {
        expect(await client.echo('meanwhile')).toBe('meanwhile');
        // Opened after the client's last exchange: once the server has closed it at the
        // deadline, the client has been idle for longer than the deadline.
        const witness = await silentSocket(port);
        await withBound(
          Promise.all(silent.map((s) => s.closed)),
          'the server did not close every silent socket',
        );
        await withBound(trickler.closed, 'the server did not close the trickling socket');
        await withBound(witness.closed, 'the server did not close the last silent socket');
      } finally {
        clearInterval(drip);
      }
      // Closed by the server, well before the 80 drips ran out.
      expect(sent).toBeLessThan(80);
      // The TLS client, older than the deadline and idle for longer, is served on.
      expect(await client.echo('after')).toBe('after');
      const stats = await ask({ stats: true });
      expect(stats.pending).toBe(0);
      expect(stats.tlsErrors).toHaveLength(SILENT + 2 + client.resets);
      for (const message of stats.tlsErrors!) expect(message).toMatch(/TLS handshake timeout/);
      client.socket.destroy();
    }, 30_000);
  });

  describe('in process', () => {
    const tlsOptions = () => ({ key: certs.serverKey, cert: certs.serverCert });
    const address = { scheme: 'tls' as const, host: '127.0.0.1', port: 0 };

    it('close() destroys sockets still in their TLS handshake and resolves without waiting on them', async () => {
      const tlsErrors: string[] = [];
      const pending: PendingTls[] = [];
      let settled = 0;
      const listener: Listener = await listen(
        address,
        tlsOptions(),
        (socket) => socket.on('data', (data) => socket.write(data)),
        (error) => tlsErrors.push(error.message),
        {
          // Far away: only close() can end these handshakes within the test.
          handshakeTimeoutMs: 600_000,
          onPending: (handshake) => {
            pending.push(handshake);
            handshake.onSettled = () => settled++;
          },
        },
      );
      const port = (listener.address as { port: number }).port;
      const client = await tlsClient(port, certs.caCert);
      const silent = await Promise.all(Array.from({ length: 20 }, () => silentSocket(port)));
      await until(() => listener.pendingTls === 20, 'twenty handshakes pending');
      expect(pending).toHaveLength(21);
      // The client's handshake settled, before `onSocket` had its socket.
      expect(settled).toBe(1);

      await withBound(listener.close(), 'close() did not resolve');
      await withBound(
        Promise.all(silent.map((s) => s.closed)),
        'close() left sockets in their handshake open',
      );
      await until(() => listener.pendingTls === 0, 'no handshakes pending');
      expect(settled).toBe(21);
      // Closed on purpose, not failed: nothing logged for them.
      expect(tlsErrors).toEqual([]);
      // A connection past its handshake belongs to its owner: still served.
      expect(await client.echo('still here')).toBe('still here');
      // No new connection is taken.
      const refused = net.connect(port, '127.0.0.1');
      const [error] = (await withBound(once(refused, 'error'), 'a connection after close')) as [
        NodeJS.ErrnoException,
      ];
      expect(error.code).toBe('ECONNREFUSED');
      client.socket.destroy();
    });

    it('abort() closes a pending handshake quietly; a peer speaking garbage is closed and logged', async () => {
      const tlsErrors: string[] = [];
      const pending: PendingTls[] = [];
      const listener = await listen(
        address,
        tlsOptions(),
        (socket) => socket.destroy(),
        (error) => tlsErrors.push(error.message),
        { handshakeTimeoutMs: 600_000, onPending: (handshake) => pending.push(handshake) },
      );
      try {
        const port = (listener.address as { port: number }).port;
        const evicted = await silentSocket(port);
        await until(() => pending.length === 1, 'the handshake reported');
        pending[0]!.abort();
        await withBound(evicted.closed, 'abort() did not close the socket');

        const garbage = await silentSocket(port);
        garbage.socket.write('GET / HTTP/1.1\r\n\r\n');
        await withBound(garbage.closed, 'a peer speaking garbage was not closed');
        await until(() => tlsErrors.length === 1, 'the garbage logged');
        expect(tlsErrors[0]).toMatch(/wrong version number|http request|packet length/i);
        await until(() => listener.pendingTls === 0, 'no handshakes pending');
      } finally {
        await listener.close();
      }
    });
  });
});
