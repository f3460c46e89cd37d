/**
 * Protocols that do not match: each failure says, quickly and with the address, what the other
 * end seems to speak and which protocol to try, instead of "cannot decode MessagePack", "check
 * the authkey", or a 10 s wait.
 */
import { createServer } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, ProtocolError, type Server, serve } from '../../src/index.js';
import { describeWithPython, pythonCommand } from '../helpers/python.js';
import { type PythonPeer, startPython } from '../python/support.js';

const KEY = 'mismatch';

/** Rejects with what `connect` rejects with, and how long it took. */
async function failure(promise: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const start = performance.now();
  const error = await promise.then(
    () => new Error('connected, but should not have'),
    (e: unknown) => e as Error,
  );
  return { error, ms: performance.now() - start };
}

describeWithPython('a farcall client against a recipe-style Python server', () => {
  let python: PythonPeer;
  let keyed: number;
  let open: number;
  beforeAll(async () => {
    python = startPython(pythonCommand(), 'peers/rpc_server.py', {
      authkey: Buffer.from(KEY).toString('hex'),
      unix: null,
    });
    keyed = (await python.next<{ addresses: Record<string, number> }>()).addresses.pickle!;
    const plain = startPython(pythonCommand(), 'peers/rpc_server.py', {
      authkey: null,
      unix: null,
    });
    open = (await plain.next<{ addresses: Record<string, number> }>()).addresses.pickle!;
    afterAll(() => plain.kill());
  });
  afterAll(() => python?.kill());

  it('with an authkey: names the python protocol and the address, at once', async () => {
    const url = `tcp://127.0.0.1:${keyed}`;
    const { error, ms } = await failure(connect(url, { authkey: KEY, logger: false }));
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.message).toContain(`127.0.0.1:${keyed}`);
    expect(error.message).toMatch(/protocol 'python'/);
    expect(ms).toBeLessThan(2000);
  });

  // A keyless recipe server says nothing until it gets a pickle (and keeps the connection open
  // when our HELLO fails to unpickle): nothing tells it from a slow server before the deadline,
  // so the deadline's message names the likely cause.
  it('without an authkey: at the opening deadline, the error says to try python', async () => {
    const url = `tcp://127.0.0.1:${open}`;
    const { error } = await failure(
      connect(url, { logger: false, limits: { handshakeTimeoutMs: 500 } }),
    );
    expect(error.message).toContain(`127.0.0.1:${open}`);
    expect(error.message).toMatch(/protocol 'python'/);
  });
});

describe('a python-protocol client against a farcall server', () => {
  let keyed: Server;
  let open: Server;
  beforeAll(async () => {
    keyed = await serve(
      { add: (x: number, y: number) => x + y },
      { listen: 'tcp://127.0.0.1:0', authkey: KEY, logger: false },
    );
    open = await serve(
      { add: (x: number, y: number) => x + y },
      { listen: 'tcp://127.0.0.1:0', logger: false },
    );
  });
  afterAll(async () => {
    await keyed.close();
    await open.close();
  });

  it('with an authkey: says the server speaks farcall, not "check the authkey"', async () => {
    const { error, ms } = await failure(
      connect(keyed.url, { protocol: 'python', authkey: KEY, logger: false }),
    );
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.message).toMatch(/speaks the farcall protocol/);
    expect(error.message).toMatch(/--protocol farcall/);
    expect(ms).toBeLessThan(2000);
  });

  it('without an authkey: the first call says the server speaks farcall', async () => {
    const remote = await connect<{ add(x: number, y: number): number }>(open.url, {
      protocol: 'python',
      logger: false,
    });
    const error = await remote.add(1, 2).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/speaks the farcall protocol/);
  });
});

describe('a farcall client against a server of no RPC protocol', () => {
  it('an HTTP server: says it sent HTTP and to use an http:// URL', async () => {
    const http = createServer((_request, response) => response.end('hello'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as net.AddressInfo;
    try {
      const { error, ms } = await failure(connect(`tcp://127.0.0.1:${port}`, { logger: false }));
      expect(error.message).toContain(`127.0.0.1:${port}`);
      expect(error.message).toMatch(/HTTP.*http:\/\//);
      expect(ms).toBeLessThan(2000);
    } finally {
      http.closeAllConnections();
      http.close();
    }
  });

  it('a server that says nothing: the opening deadline names the address and the protocol', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const { error } = await failure(
        connect(`tcp://127.0.0.1:${port}`, { logger: false, limits: { handshakeTimeoutMs: 300 } }),
      );
      expect(error.message).toMatch(
        new RegExp(`no HELLO from 127\\.0\\.0\\.1:${port} within 300 ms`),
      );
      expect(error.message).toMatch(/is it a farcall server\?/);
    } finally {
      silent.close();
    }
  });

  it('a black-holed dial: connectTimeout gives up, and the signal aborts', async () => {
    // A listener whose backlog is full never accepts: a stand-in for a host that does not answer.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const controller = new AbortController();
      const pending = failure(
        connect(`tcp://127.0.0.1:${port}`, { logger: false, signal: controller.signal }),
      );
      controller.abort();
      expect((await pending).error.name).toBe('AbortError');
      const timed = await failure(
        connect(`tcp://127.0.0.1:${port}`, { logger: false, connectTimeout: 200 }),
      );
      expect(timed.error.name).toBe('TimeoutError');
      expect(timed.error.message).toMatch(/within 200 ms \(connectTimeout\)/);
    } finally {
      silent.close();
    }
  });
});
