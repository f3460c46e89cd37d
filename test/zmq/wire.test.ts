/**
 * The native protocol over ZeroMQ, spoken by hand from plain `zeromq` sockets (docs/protocol.md,
 * "ZeroMQ"): every message is the empty delimiter and one MessagePack body, written and
 * read by `msgpack-bytes.ts`, which shares nothing with farcall's codec.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dealer, Router } from 'zeromq';
import { connect, ProtocolError, type Server, serve } from '../../src/index.js';
import { captureLogger } from '../helpers/log.js';
import { pack, unpack } from '../helpers/msgpack-bytes.js';
import { type RawPeer, rawDealer, rawRequest, texts } from './raw-peer.js';

const api = { add: (x: number, y: number) => x + y, log: (_: string) => {} };
const hello = pack([0, 'farcall', 1, { role: 'client', window: 16, maxFrame: 1 << 20 }]);

/** The body of a frame message: `['', body]`; fails on any other shape. */
function body(parts: Buffer[]): unknown {
  expect(parts).toHaveLength(2);
  expect(parts[0]!.length).toBe(0);
  return unpack(parts[1]!);
}

const peers: RawPeer[] = [];
function dealer(url: string): RawPeer {
  const peer = rawDealer(url);
  peers.push(peer);
  return peer;
}

afterAll(() => {
  for (const peer of peers) peer.close();
});

describe('a plain DEALER, speaking the native protocol by hand', () => {
  let server: Server;
  const logger = captureLogger();
  beforeAll(async () => {
    server = await serve(api, { listen: 'zmq+tcp://127.0.0.1:0', logger });
  });
  afterAll(() => server.close(0));

  it('opens with HELLO, calls, notifies, pings, and says goodbye', async () => {
    const peer = dealer(server.url);
    await peer.send('', hello);
    const [type, name, version, options] = body(await peer.next()) as [
      number,
      string,
      number,
      Record<string, unknown>,
    ];
    expect([type, name, version]).toEqual([0, 'farcall', 1]);
    expect(options).toMatchObject({ role: 'server', window: 1024, maxFrame: 16 * 1024 * 1024 });
    expect(options.challenge).toBeUndefined();

    await peer.send('', pack([1, 7, 'add', [2, 3]]));
    expect(body(await peer.next())).toEqual([3, 7, 5]);
    await peer.send('', pack([1, 8, 'add', [4, 5], { timeout: 1000, meta: { trace: 'abc' } }]));
    expect(body(await peer.next())).toEqual([3, 8, 9]);
    await peer.send('', pack([2, 'log', ['not answered']]));
    await peer.send('', pack([6, 42]));
    // The notification gets no answer: the next message is the PONG.
    expect(body(await peer.next())).toEqual([7, 42]);
    await peer.send('', pack([1, 9, 'nosuch', []]));
    const [, , error] = body(await peer.next()) as [number, number, Record<string, unknown>];
    expect(error).toMatchObject({ code: 'METHOD_NOT_FOUND' });

    expect(server.connections).toBe(1);
    await peer.send('farcall:close');
    await expect.poll(() => server.connections, { timeout: 5000 }).toBe(0);
  });

  it('answers a frame from a client it does not know, that is not a HELLO, with a close', async () => {
    const peer = dealer(server.url);
    await peer.send('', pack([1, 1, 'add', [2, 3]]));
    const [word, reason] = texts(await peer.next());
    expect(word).toBe('farcall:close');
    expect(reason).toMatch(/^unknown session: this server does not know the connection/);
    expect(server.connections).toBe(0);
  });

  it('drops messages of the wrong shape, says so in its log, and serves on', async () => {
    const peer = dealer(server.url);
    await peer.send(pack([1, 1, 'add', [2, 3]])); // no delimiter
    await peer.send('', hello, 'x', 'y'); // three parts after it
    await peer.send('r'.repeat(300), '', hello); // a routing part over 255 bytes
    expect(await peer.quiet(200)).toBeUndefined();
    expect(logger.lines.some((line) => /dropped \d+ malformed ZeroMQ message/.test(line))).toBe(
      true,
    );
    await peer.send('', hello);
    expect((body(await peer.next()) as unknown[])[0]).toBe(0);
    await peer.send('', pack([1, 1, 'add', [20, 22]]));
    expect(body(await peer.next())).toEqual([3, 1, 42]);
    await peer.send('farcall:close');
  });

  it('closes a client whose first frame is over limits.maxHandshakeBytes, and tells it', async () => {
    const peer = dealer(server.url);
    const big = pack([0, 'farcall', 1, { role: 'client', padding: 'x'.repeat(2000) }]);
    await peer.send('', big);
    // The server's HELLO may come first: it speaks as soon as the connection exists.
    let parts = await peer.next();
    if (parts[0]!.length === 0) parts = await peer.next();
    const [word, reason] = texts(parts);
    expect(word).toBe('farcall:close');
    expect(reason).toContain('limits.maxHandshakeBytes');
    await expect.poll(() => server.connections, { timeout: 5000 }).toBe(0);
  });

  it('answers an exchange request (meta and body) with the same id', async () => {
    const peer = dealer(server.url);
    const meta = { id: 7, type: 'application/x-msgpack', headers: { 'farcall-client': 'hand' } };
    await peer.send(
      '',
      JSON.stringify(meta),
      pack([
        [1, 1, 'add', [2, 3]],
        [1, 2, 'add', [1, 1]],
      ]),
    );
    const parts = await peer.next();
    expect(parts).toHaveLength(3);
    expect(parts[0]!.length).toBe(0);
    expect(JSON.parse(parts[1]!.toString())).toMatchObject({ id: 7, status: 200 });
    expect(unpack(parts[2]!)).toEqual([
      [3, 1, 5],
      [3, 2, 2],
    ]);
  });
});

describe('bad input from one client, with the others served', () => {
  it('closes a connection whose frame is over limits.maxFrameBytes, and drops a bad exchange', async () => {
    const logger = captureLogger();
    await using server = await serve(api, {
      listen: 'zmq+tcp://127.0.0.1:0',
      logger,
      limits: { maxFrameBytes: 4096 },
    });
    const honest = dealer(server.url);
    await honest.send('', hello);
    await honest.next();
    const rogue = dealer(server.url);
    await rogue.send('', hello);
    await rogue.next();
    await rogue.send('', pack([1, 1, 'add', ['x'.repeat(5000), 1]]));
    const [word, reason] = texts(await rogue.next());
    expect(word).toBe('farcall:close');
    expect(reason).toContain('over the limit of 4096 bytes (limits.maxFrameBytes)');
    expect(logger.lines.some((line) => line.includes('limits.maxFrameBytes'))).toBe(true);
    // An exchange whose meta is not JSON has no id to answer: it is dropped, and logged.
    await rogue.send('', '{not json', pack([[1, 1, 'add', [1, 2]]]));
    expect(await rogue.quiet(200)).toBeUndefined();
    expect(logger.lines.some((line) => line.includes('not JSON'))).toBe(true);
    await honest.send('', pack([1, 5, 'add', [2, 2]]));
    expect(body(await honest.next())).toEqual([3, 5, 4]);
    expect(server.connections).toBe(1);
  });
});

describe('a client that does not read its answers', () => {
  it('is closed once ZeroMQ holds its high-water mark of messages for it; others are served', async () => {
    const logger = captureLogger();
    await using server = await serve(
      { echo: (value: unknown) => value, add: api.add },
      { listen: 'zmq+tcp://127.0.0.1:0', logger },
    );
    const honest = dealer(server.url);
    await honest.send('', hello);
    await honest.next();
    // A DEALER that queues at most one message for its reader, and never reads.
    const socket = new Dealer({ linger: 0, receiveHighWaterMark: 1 });
    socket.connect(server.url.replace(/^zmq\+/, ''));
    try {
      await socket.send(['', hello]);
      await socket.receive(); // the server's HELLO: the opening is done
      const big = 'x'.repeat(16 * 1024);
      for (let id = 1; id <= 3000; id++) await socket.send(['', pack([1, id, 'echo', [big]])]);
      await expect.poll(() => server.connections, { timeout: 15_000 }).toBe(1);
      expect(logger.lines.some((line) => /does not read its messages/.test(line))).toBe(true);
    } finally {
      socket.close();
    }
    await honest.send('', pack([1, 5, 'add', [2, 2]]));
    expect(body(await honest.next())).toEqual([3, 5, 4]);
  });
});

describe('a rogue ZeroMQ server, against a farcall client', () => {
  it('fails the connect with ProtocolError when its answer is not a farcall frame', async () => {
    const router = new Router({ linger: 0 });
    await router.bind('tcp://127.0.0.1:*');
    const url = `zmq+${router.lastEndpoint}`;
    const answering = (async () => {
      const [id] = await router.receive();
      await router.send([id!, 'not', 'a', 'frame']);
    })();
    try {
      await expect(connect(url, { logger: false, connectTimeout: 5000 })).rejects.toBeInstanceOf(
        ProtocolError,
      );
      await answering;
    } finally {
      router.close();
    }
  });
});

describe('a REQ socket (it sends and receives in strict turns), by hand', () => {
  it('opens and calls, as REQ/REP peers do', async () => {
    await using server = await serve(api, { listen: 'zmq+tcp://127.0.0.1:0', logger: false });
    const peer = rawRequest(server.url);
    peers.push(peer);
    // REQ adds the empty delimiter to what it sends and strips it from what it receives.
    await peer.send(hello);
    const [serverHello] = await peer.next();
    expect((unpack(serverHello!) as unknown[]).slice(0, 3)).toEqual([0, 'farcall', 1]);
    await peer.send(pack([1, 1, 'add', [2, 3]]));
    const [result] = await peer.next();
    expect(unpack(result!)).toEqual([3, 1, 5]);
  });
});

/** A bin value as the hand-written reader gives it (docs/protocol.md: challenges and proofs are bin). */
function bytesOf(value: unknown): Buffer {
  expect(value).toBeInstanceOf(Uint8Array);
  return Buffer.from(value as Uint8Array);
}

describe('the authkey handshake by hand', () => {
  it('HELLO with a challenge, AUTH, AUTH_OK, then a call', async () => {
    const key = 'peekaboo';
    await using server = await serve(api, {
      listen: 'zmq+tcp://127.0.0.1:0',
      authkey: key,
      logger: false,
    });
    const peer = dealer(server.url);
    await peer.send('', hello);
    const [, , , options] = body(await peer.next()) as [
      number,
      string,
      number,
      { challenge: unknown },
    ];
    const serverChallenge = bytesOf(options.challenge);
    expect(serverChallenge).toHaveLength(32);
    const clientChallenge = randomBytes(32);
    const proof = (role: string, a: Uint8Array, b: Uint8Array) =>
      createHmac('sha256', key).update(`farcall-auth-v1 ${role}\n`).update(a).update(b).digest();
    await peer.send(
      '',
      pack([8, proof('client', serverChallenge, clientChallenge), clientChallenge]),
    );
    const [type, serverProof] = body(await peer.next()) as [number, unknown];
    expect(type).toBe(9);
    expect(bytesOf(serverProof)).toEqual(proof('server', clientChallenge, serverChallenge));
    await peer.send('', pack([1, 1, 'add', [2, 3]]));
    expect(body(await peer.next())).toEqual([3, 1, 5]);
  });
});
