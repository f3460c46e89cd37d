import type { Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuthenticationError } from '../../src/errors.js';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import { pythonProtocol } from '../../src/protocol/python/index.js';
import { describeWithPython, pythonCommand } from '../helpers/python.js';
import { dialLink, listenLinks, type PythonPeer, runPython, startPython } from './support.js';

/**
 * The authkey handshake against real CPython peers on 127.0.0.1: the interpreter's own
 * `multiprocessing.connection` (3.11 here: the legacy md5 form) and a scripted 3.12 peer
 * (peers/mp312.py: the negotiated {sha256} form), in both roles.
 */

const KEY = Buffer.from('sekrit-ключ');
const WRONG = Buffer.from('not the key');
const limits = { ...DEFAULT_LIMITS, handshakeTimeoutMs: 5000 };
const hex = (key: Uint8Array | undefined) => (key ? Buffer.from(key).toString('hex') : null);

interface Outcome {
  ok?: boolean;
  got?: string;
  error?: string;
  module?: string;
  listener?: number;
}

/** Opens the python protocol as a client, then sends one raw frame and reads the echo. */
async function clientExchange(port: number, authkey: Uint8Array | undefined): Promise<string> {
  const { channel, link } = await dialLink(port);
  try {
    await pythonProtocol.open(link, { role: 'client', limits, authkey, answers: false });
    const echo = link.frame();
    channel.send(Buffer.from('hello'));
    return (await echo).toString();
  } finally {
    await channel.close();
  }
}

describeWithPython('python handshake with CPython, farcall as the client', () => {
  // One Python process, three listeners: builtin (3.11's own), scripted 3.12, and no key.
  const specs = [
    { authkey: hex(KEY), style: 'builtin', count: 2 },
    { authkey: hex(KEY), style: 'py312', count: 2 },
    { authkey: null, count: 1 },
  ];
  let listener: PythonPeer;
  let ports: number[];

  beforeAll(async () => {
    listener = startPython(pythonCommand(), 'peers/mp_listener.py', specs);
    ports = (await listener.next<{ addresses: number[] }>()).addresses;
  });
  afterAll(() => listener?.kill());

  for (const [index, style] of [
    [0, 'builtin'],
    [1, 'py312'],
  ] as const) {
    it(`${style} listener: right key passes, wrong key fails on both sides`, async () => {
      expect(await clientExchange(ports[index]!, KEY)).toBe('echo:hello');
      expect(await listener.next<Outcome>()).toEqual({ listener: index, ok: true, got: 'hello' });
      await expect(clientExchange(ports[index]!, WRONG)).rejects.toBeInstanceOf(
        AuthenticationError,
      );
      const refused = await listener.next<Outcome>();
      expect(refused.listener).toBe(index);
      expect(refused.error).toBe(style === 'builtin' ? 'AuthenticationError' : 'HandshakeFailed');
    });
  }

  it('no key on either side: no handshake, frames flow at once', async () => {
    expect(await clientExchange(ports[2]!, undefined)).toBe('echo:hello');
    expect(await listener.next<Outcome>()).toEqual({ listener: 2, ok: true, got: 'hello' });
    await listener.done();
  });
});

describeWithPython('python handshake with CPython, farcall as the server', () => {
  const servers: Server[] = [];
  const failures: Error[] = [];
  const ports: Record<'keyed' | 'open', number> = { keyed: 0, open: 0 };

  /** A farcall end that runs the handshake, then echoes each frame with an "echo:" prefix. */
  const serveEcho = (authkey: Uint8Array | undefined) =>
    listenLinks((link, channel) => {
      pythonProtocol.open(link, { role: 'server', limits, authkey, answers: true }).then(
        async () => {
          for (;;) {
            const frame = await link.frame(60_000).catch(() => undefined);
            if (!frame) return;
            channel.send(Buffer.concat([Buffer.from('echo:'), frame]));
          }
        },
        (error: Error) => {
          failures.push(error);
          void channel.close(); // graceful, so the #FAILURE# reaches the client first
        },
      );
    });

  beforeAll(async () => {
    for (const [name, key] of [
      ['keyed', KEY],
      ['open', undefined],
    ] as const) {
      const { server, port } = await serveEcho(key);
      servers.push(server);
      ports[name] = port;
    }
  });
  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('right keys pass, wrong keys raise multiprocessing.AuthenticationError in Python', async () => {
    const attempts = [
      { address: ports.keyed, authkey: hex(KEY), style: 'builtin' },
      { address: ports.keyed, authkey: hex(WRONG), style: 'builtin' },
      { address: ports.keyed, authkey: hex(KEY), style: 'py312' },
      { address: ports.keyed, authkey: hex(WRONG), style: 'py312' },
      { address: ports.open, authkey: null, style: 'builtin' },
    ];
    const out = await runPython<Outcome>(pythonCommand(), 'peers/mp_client.py', attempts, 5);
    expect(out[0]).toEqual({ ok: true, got: 'echo:ping' });
    expect(out[1]).toMatchObject({
      error: 'AuthenticationError',
      module: 'multiprocessing.context',
    });
    expect(out[2]).toEqual({ ok: true, got: 'echo:ping' });
    expect(out[3]).toMatchObject({ error: 'HandshakeFailed' });
    expect(out[4]).toEqual({ ok: true, got: 'echo:ping' });
    expect(failures.map((e) => e.constructor)).toEqual([AuthenticationError, AuthenticationError]);
  });
});
