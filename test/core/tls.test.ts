/**
 * `tls://` end to end with certificates made by `openssl` for the run: server authentication
 * against a private CA, mutual TLS, and refusals that fail fast without taking the server down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConnectionClosedError,
  close,
  connect,
  FarcallError,
  invoke,
  type Server,
  serve,
} from '../../src/index.js';
import { makeCerts, opensslAvailable, type TestCerts } from '../helpers/certs.js';

const api = {
  add: (x: number, y: number) => x + y,
  whoami: () => 'farcall over tls',
};
type Api = typeof api;

const KEY = 'tls-and-a-key';

/** Rejects with what `promise` rejected with, or fails if it resolved; checks it was quick. */
async function refusal(promise: Promise<unknown>, withinMs = 3000): Promise<Error> {
  const start = Date.now();
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error('expected the connection to be refused, but it opened');
  expect(Date.now() - start).toBeLessThan(withinMs);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}

describe.skipIf(!opensslAvailable())('tls', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs?.cleanup());

  describe('server certificate from a private CA', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = await serve(api, {
        listen: 'tls://127.0.0.1:0',
        tls: { key: certs.serverKey, cert: certs.serverCert },
        authkey: KEY,
        logger: false,
      });
      url = server.urls[0]!;
    });
    afterAll(() => server.close(100));

    it('binds a tls:// url and serves a client that trusts the CA, with an authkey', async () => {
      expect(url).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
      const remote = await connect<Api>(url, { tls: { ca: certs.caCert }, authkey: KEY });
      expect(await remote.add(20, 22)).toBe(42);
      expect(await remote.whoami()).toBe('farcall over tls');
      await close(remote);
    });

    it('a client without the CA is refused with ConnectionClosedError naming the certificate', async () => {
      const before = await connect<Api>(url, { tls: { ca: certs.caCert }, authkey: KEY });
      const error = await refusal(connect(url, { authkey: KEY, logger: false }));
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error.message).toMatch(/certificate/);
      // The server serves on: the client from before, and a new one.
      expect(await before.add(1, 2)).toBe(3);
      const after = await connect<Api>(url, { tls: { ca: certs.caCert }, authkey: KEY });
      expect(await after.add(2, 3)).toBe(5);
      await Promise.all([close(before), close(after)]);
    });

    it('a client that trusts the CA but has the wrong key is refused by the authkey', async () => {
      const error = await refusal(
        connect(url, { tls: { ca: certs.caCert }, authkey: 'wrong', logger: false }),
      );
      expect(error).toBeInstanceOf(AuthenticationError);
    });

    it('a client asking for another server name is refused', async () => {
      const error = await refusal(
        connect(url, {
          tls: { ca: certs.caCert, servername: 'elsewhere.example' },
          authkey: KEY,
          logger: false,
        }),
      );
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error.message).toMatch(/elsewhere\.example|altnames|certificate/i);
    });

    it('a plain-TCP client talking to the TLS port fails cleanly and fast', async () => {
      const plain = url.replace(/^tls:/, 'tcp:');
      // Well under the 10 s handshake timeout: the server's TLS layer drops the garbage at once.
      const error = await refusal(connect(plain, { authkey: KEY, logger: false }), 3000);
      expect(error).toBeInstanceOf(FarcallError);
      const remote = await connect<Api>(url, { tls: { ca: certs.caCert }, authkey: KEY });
      expect(await remote.add(3, 4)).toBe(7);
      await close(remote);
    });
  });

  describe('mutual TLS', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = await serve(api, {
        listen: 'tls://127.0.0.1:0',
        tls: {
          key: certs.serverKey,
          cert: certs.serverCert,
          ca: certs.caCert,
          requestCert: true,
          rejectUnauthorized: true,
        },
        logger: false,
      });
      url = server.urls[0]!;
    });
    afterAll(() => server.close(100));

    const withCert = () => ({ ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey });

    it('a client with a certificate from the CA is served', async () => {
      const remote = await connect<Api>(url, { tls: withCert() });
      expect(await remote.add(5, 6)).toBe(11);
      await close(remote);
    });

    it('a client without a certificate is refused, the server serves on', async () => {
      const before = await connect<Api>(url, { tls: withCert() });
      // TLS 1.3 finishes the client's side of the handshake before the server checks the
      // client certificate, so the refusal arrives as the farcall HELLO is awaited.
      const error = await refusal(connect(url, { tls: { ca: certs.caCert }, logger: false }));
      expect(error).toBeInstanceOf(FarcallError);
      expect(error.message).toMatch(/certificate/);
      expect(await before.add(1, 1)).toBe(2);
      const after = await connect<Api>(url, { tls: withCert() });
      expect(await after.add(2, 2)).toBe(4);
      expect(await invoke(after, 'whoami')).toBe('farcall over tls');
      await Promise.all([close(before), close(after)]);
    });

    // With TLS 1.3 the server's refusal arrives while the client awaits the HELLO; it must still
    // be a ConnectionClosedError, as `connect` documents for a failed TLS handshake.
    it('a client without a certificate gets ConnectionClosedError', async () => {
      const error = await refusal(connect(url, { tls: { ca: certs.caCert }, logger: false }));
      expect(error).toBeInstanceOf(ConnectionClosedError);
    });

    it('a client with a certificate but not trusting the server CA is refused', async () => {
      const error = await refusal(
        connect(url, { tls: { cert: certs.clientCert, key: certs.clientKey }, logger: false }),
      );
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error.message).toMatch(/certificate/);
    });
  });

  it('a TLS client talking to a plain-TCP port fails cleanly and fast', async () => {
    const server = await serve(api, { listen: 'tcp://127.0.0.1:0', logger: false });
    try {
      const url = server.urls[0]!.replace(/^tcp:/, 'tls:');
      const error = await refusal(connect(url, { tls: { ca: certs.caCert }, logger: false }));
      expect(error).toBeInstanceOf(ConnectionClosedError);
      const remote = await connect<Api>(server.urls[0]!);
      expect(await remote.add(1, 2)).toBe(3);
      await close(remote);
    } finally {
      await server.close(100);
    }
  });
});
