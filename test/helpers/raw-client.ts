/**
 * A client that speaks bytes: a plain `node:net` socket with a tiny framer of its own, for tests
 * that send what a real client never would. It does the HELLO and authkey exchange by hand, so
 * a test can stop anywhere in it. Also here: a logger that keeps its lines, to assert on why a
 * server closed a connection.
 */
import { createHmac, randomBytes } from 'node:crypto';
import net from 'node:net';
import { expect } from 'vitest';
import { decodeMsgpack, encodeMsgpack } from '../../src/codec/msgpack.js';
import {
  close,
  connect,
  invoke,
  type Remote,
  type ServeOptions,
  type Server,
  serve,
} from '../../src/index.js';

/**
 * Deep and large enough for anything a test sends or decodes; the server's limits are what is
 * under test. Shared references stay off, as on a real connection.
 */
const TEST_CODEC = { maxDepth: 1000, maxItems: 100_000_000 } as const;

export interface CapturedLog {
  readonly lines: string[];
  readonly logger: { info(message: string): void; warn(message: string): void };
  /** Resolves with the first line (already logged or to come) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** A logger that collects every line it is given. */
export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve(line: string): void }[] = [];
  const add = (line: string) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  return {
    lines,
    logger: { info: add, warn: add },
    waitFor(pattern, timeoutMs = 2000) {
      const found = lines.find((line) => pattern.test(line));
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
          reject(
            new Error(
              `no log line matching ${pattern} within ${timeoutMs} ms; got:\n${lines.join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
  };
}

/** A 4-byte big-endian signed length header, as the framer writes it. */
export function header(length: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeInt32BE(length, 0);
  return buf;
}

/** The long form: -1, then an 8-byte big-endian length. */
export function longHeader(length: bigint): Buffer {
  const buf = Buffer.alloc(12);
  buf.writeInt32BE(-1, 0);
  buf.writeBigUInt64BE(length, 4);
  return buf;
}

/** One frame: header and body. */
export function frame(body: Uint8Array): Buffer {
  return Buffer.concat([header(body.length), body]);
}

/** Encodes a message the way the protocol would, without its shape checks. */
export function encode(message: unknown): Uint8Array {
  return encodeMsgpack(message, TEST_CODEC);
}

export interface RawClient {
  readonly socket: net.Socket;
  /** This end's address as the server logs it, `127.0.0.1:PORT` (kept after the socket closes). */
  readonly peer: string;
  /** Bodies of the frames received and not yet taken by `next`. */
  readonly inbox: Buffer[];
  /** Resolves when the socket has closed, for whatever reason; never rejects. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  /** Sends bytes as they are. */
  write(bytes: Uint8Array): Promise<void>;
  /** Sends one message, encoded and framed. */
  send(message: unknown): Promise<void>;
  /** The next frame's body decoded; rejects on timeout or when the socket closes first. */
  next(timeoutMs?: number): Promise<unknown>;
  /** Reads the server's HELLO and answers it, with the authkey exchange when a key is given. */
  handshake(authkey?: string): Promise<void>;
  /**
   * After the handshake: pings until a pong comes back, so the server's session is certainly
   * open (without an authkey nothing else says so). A ping unanswered in 500 ms is sent again.
   */
  ready(): Promise<void>;
  /** Resolves true if the socket closes within `timeoutMs`, false if it is still open then. */
  closesWithin(timeoutMs: number): Promise<boolean>;
  destroy(): void;
}

/** How a raw client writes and reads message bodies. */
export interface RawCodec {
  encode(message: unknown): Uint8Array;
  decode(body: Uint8Array): unknown;
}

/** farcall's own codec, which most of these tests use to speak; see `handCodec` for the other. */
const farcallCodec: RawCodec = {
  encode,
  decode: (body) => decodeMsgpack(body, TEST_CODEC),
};

/**
 * The authkey proof of docs/protocol.md, computed here from the document rather than imported,
 * so a raw client checks the server against the specification.
 */
export function proof(
  key: Uint8Array,
  role: 'client' | 'server',
  verifierChallenge: Uint8Array,
  proverChallenge: Uint8Array,
): Buffer {
  return createHmac('sha256', key)
    .update(`farcall-auth-v1 ${role}\n`)
    .update(verifierChallenge)
    .update(proverChallenge)
    .digest();
}

/**
 * Connects a raw socket to a `tcp://HOST:PORT` url. `codec` writes and reads the bodies of
 * `send`, `next` and the handshake: farcall's codec by default; attacker tests pass `handCodec`
 * (test/helpers/msgpack-bytes.ts) to depend on nothing they attack.
 */
export async function rawConnect(url: string, codec: RawCodec = farcallCodec): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {}); // resets are expected: these sockets misbehave on purpose

  const inbox: Buffer[] = [];
  let readers: (() => void)[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let isClosed = false;
  const wake = () => {
    const waiting = readers;
    readers = [];
    for (const reader of waiting) reader();
  };
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readInt32BE(0);
      if (length < 0 || pending.length < 4 + length) break;
      inbox.push(Buffer.from(pending.subarray(4, 4 + length)));
      pending = pending.subarray(4 + length);
    }
    wake();
  });
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      isClosed = true;
      wake();
      resolve();
    });
  });

  const next = (timeoutMs = 2000): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        readers = readers.filter((r) => r !== attempt);
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const attempt = () => {
        const body = inbox.shift();
        if (body !== undefined) {
          clearTimeout(timer);
          try {
            resolve(codec.decode(body));
          } catch (error) {
            reject(error);
          }
        } else if (isClosed) {
          clearTimeout(timer);
          reject(new Error('socket closed before a frame arrived'));
        } else {
          readers.push(attempt);
        }
      };
      attempt();
    });

  const write = (bytes: Uint8Array) =>
    new Promise<void>((resolve) => {
      if (isClosed || socket.destroyed) {
        resolve();
        return;
      }
      // Resolves once the bytes are handed to the kernel (or the socket failed).
      socket.write(bytes, () => resolve());
    });

  const client: RawClient = {
    socket,
    peer: `${socket.localAddress}:${socket.localPort}`,
    inbox,
    closed,
    get isClosed() {
      return isClosed;
    },
    write,
    send: (message) => write(frame(codec.encode(message))),
    next,
    async handshake(authkey) {
      const hello = await next();
      if (!Array.isArray(hello) || hello[0] !== 0 || hello[1] !== 'farcall') {
        throw new Error(`expected the server's HELLO, got ${JSON.stringify(hello)}`);
      }
      await client.send([0, 'farcall', 1, {}]);
      if (authkey === undefined) return;
      const serverChallenge = (hello[3] as { challenge?: unknown }).challenge;
      if (!(serverChallenge instanceof Uint8Array)) throw new Error('server sent no challenge');
      const key = Buffer.from(authkey, 'utf8');
      const challenge = randomBytes(32);
      await client.send([8, proof(key, 'client', serverChallenge, challenge), challenge]);
      const answer = await next();
      if (!Array.isArray(answer) || answer[0] !== 9) {
        throw new Error(`authentication refused: ${JSON.stringify(answer)}`);
      }
      const expected = proof(key, 'server', challenge, serverChallenge);
      if (!Buffer.from(answer[1] as Uint8Array).equals(expected)) {
        throw new Error('server proof does not match');
      }
    },
    async ready() {
      for (let nonce = 1; nonce <= 5; nonce++) {
        await client.send([6, nonce]);
        try {
          const pong = await next(500);
          if (Array.isArray(pong) && pong[0] === 7 && pong[1] === nonce) return;
          throw new Error(`expected a pong, got ${JSON.stringify(pong)}`);
        } catch (error) {
          if (isClosed || !String(error).includes('no frame within')) throw error;
        }
      }
      throw new Error('the server never answered a ping');
    },
    closesWithin: (timeoutMs) =>
      Promise.race([
        closed.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(isClosed), timeoutMs)),
      ]),
    destroy: () => socket.destroy(),
  };
  return client;
}

/** Bytes of a call `[1, id, method, args]` whose single argument nests `depth` arrays. */
export function deepCallBytes(id: number, method: string, depth: number): Buffer {
  const head = Buffer.from(encode([1, id, method, [0]]));
  // Swap the args array `[0]` (0x91 0x00 at the end) for `[[[...[0]...]]]`.
  return Buffer.concat([
    head.subarray(0, head.length - 1),
    Buffer.alloc(depth, 0x91),
    Buffer.from([0]),
  ]);
}

/**
 * The body of a call `[1, id, method, [...args, padding]]` of exactly `size` bytes: the padding
 * is a string sized to fit (the function is called with it as an extra, last argument).
 */
export function callOfSize(id: number, method: string, args: unknown[], size: number): Uint8Array {
  let pad = size;
  let body = encode([1, id, method, [...args, 'x'.repeat(pad)]]);
  while (body.length > size && pad > 0)
    body = encode([1, id, method, [...args, 'x'.repeat(--pad)]]);
  if (body.length !== size) throw new Error(`cannot make a call of exactly ${size} bytes`);
  return body;
}

/** Waits until `predicate` holds, polling; rejects after `timeoutMs`. */
export async function until(
  predicate: () => boolean,
  timeoutMs = 2000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Milliseconds, as a promise. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A pattern for a log line about `client` that also matches `reason`. */
export function about(client: RawClient, reason: RegExp): RegExp {
  return new RegExp(`${client.peer.replace(/\./g, '\\.')}\\b.*${reason.source}`, reason.flags);
}

/**
 * A server under attack and a well-behaved client connected to it before the attack. The api
 * given is served with `add` added; `victimWorks` checks the victim still gets right answers.
 */
export interface Target {
  readonly server: Server;
  readonly url: string;
  readonly log: CapturedLog;
  readonly victim: Remote<unknown>;
  readonly authkey: string | undefined;
  /** A raw client, connected; with `handshake`, past the HELLO (and authkey) exchange. */
  raw(options?: { handshake?: boolean }): Promise<RawClient>;
  victimWorks(): Promise<void>;
  close(): Promise<void>;
}

export async function startTarget(
  api: object = {},
  options: Omit<ServeOptions, 'listen' | 'logger'> = {},
): Promise<Target> {
  const log = captureLog();
  const authkey = typeof options.authkey === 'string' ? options.authkey : undefined;
  const server = await serve(
    { add: (x: number, y: number) => x + y, ...api },
    { ...options, listen: 'tcp://127.0.0.1:0', logger: log.logger },
  );
  const url = server.urls[0]!;
  const victim = await connect(url, { authkey, logger: false, timeout: 5000 });
  expect(await invoke(victim, 'add', [1, 1])).toBe(2);
  const raws: RawClient[] = [];
  let round = 0;
  return {
    server,
    url,
    log,
    victim,
    authkey,
    async raw({ handshake = true } = {}) {
      const client = await rawConnect(url);
      raws.push(client);
      if (handshake) {
        await client.handshake(authkey);
        await client.ready();
      }
      return client;
    },
    async victimWorks() {
      round++;
      expect(await invoke(victim, 'add', [round, 1000])).toBe(round + 1000);
    },
    async close() {
      for (const client of raws) client.destroy();
      await close(victim);
      await server.close(100);
    },
  };
}

/** How a server dealt with one call from a raw client. */
export type CallFate =
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; error: Record<string, unknown> }
  | { kind: 'closed' }
  | { kind: 'nothing' };

/**
 * Reads frames until the answer to call `id` arrives (a RESULT or an ERROR), the connection
 * closes, or `timeoutMs` passes; frames about other ids, and frames the codec cannot read, are
 * skipped. Never rejects.
 */
export async function fateOf(raw: RawClient, id: number, timeoutMs = 2000): Promise<CallFate> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'nothing' };
    let message: unknown;
    try {
      message = await raw.next(left);
    } catch {
      if (raw.isClosed) return { kind: 'closed' };
      continue; // the deadline passed (checked above), or a frame this codec cannot read
    }
    if (!Array.isArray(message) || message[1] !== id) continue;
    if (message[0] === 3) return { kind: 'result', value: message[2] };
    if (message[0] === 4) return { kind: 'error', error: message[2] as Record<string, unknown> };
  }
}
