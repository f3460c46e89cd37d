/**
 * The conformance matrix: one list of scenarios, run over every transport × protocol pair that
 * supports them. A new transport or protocol joins by adding a row; each scenario says which
 * protocols it applies to, so a missing capability is a visible choice, not a silent gap.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  acceptsKwargs,
  type Callback,
  type CallContext,
  CodecError,
  type ConnectOptions,
  callWithKwargs,
  close,
  connect,
  invoke,
  notify,
  ProtocolError,
  type ProtocolName,
  RemoteError,
  release,
  type ServeOptions,
  type Server,
  serve,
  stats,
  TimeoutError,
  withContext,
  withOptions,
} from '../src/index.js';
import { makeCerts, opensslAvailable, type TestCerts } from './helpers/certs.js';

const recorded: unknown[] = [];
let aborts = 0;
let producersStopped = 0;

const api = {
  add: (x: number, y: number) => x + y,
  record: (value: unknown) => {
    recorded.push(value);
  },
  greet: acceptsKwargs(
    (name: string, kw: { punctuation?: string } = {}) => `hello ${name}${kw.punctuation ?? '!'}`,
  ),
  whoami: withContext((call: CallContext) => call.meta.user ?? 'nobody'),
  waitForAbort: withContext(
    (call: CallContext) =>
      new Promise((_, reject) =>
        call.signal.addEventListener('abort', () => {
          aborts++;
          reject(call.signal.reason);
        }),
      ),
  ),
  echo: (value: unknown) => value,
  math: { mul: async (x: number, y: number) => x * y },
  fail: () => {
    throw new TypeError('unsupported operand');
  },
  slow: async (ms: number, value: unknown) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return value;
  },
  count: async function* (n: number) {
    try {
      for (let i = 1; i <= n; i++) yield i;
    } finally {
      producersStopped++;
    }
  },
  failAt: async function* (n: number) {
    for (let i = 1; i < n; i++) yield i;
    throw new RangeError(`failed at ${n}`);
  },
  sum: async (items: AsyncIterable<number>) => {
    let total = 0;
    for await (const n of items) total += n;
    return total;
  },
  double: async function* (items: AsyncIterable<number>) {
    for await (const n of items) yield 2 * n;
  },
  progress: async (steps: number, onStep: Callback<(step: number) => number>) => {
    let total = 0;
    for (let step = 1; step <= steps; step++) total += await onStep(step);
    return total;
  },
};
type Remote = Awaited<ReturnType<typeof connect<typeof api>>>;

const KEY = 'conformance';

interface Transport {
  name: string;
  listen(): string;
  /** The protocols this transport carries (the Python one needs a byte stream or a channel). */
  protocols: ProtocolName[];
  serve?: Partial<ServeOptions>;
  connect?: Partial<ConnectOptions>;
}

let certs: TestCerts | undefined;
const haveOpenssl = opensslAvailable();
const serverTls = () => ({ tls: { key: certs!.serverKey, cert: certs!.serverCert } });
const clientTls = () => ({ tls: { ca: certs!.caCert } });

/** Every transport of the contract that this build has; a new one joins with a row here. */
const transports: Transport[] = [
  { name: 'tcp', listen: () => 'tcp://127.0.0.1:0', protocols: ['farcall', 'python'] },
  {
    name: 'unix',
    listen: () => `unix:${join(tmpdir(), `farcall-conf-${process.pid}-${Math.random()}.sock`)}`,
    protocols: ['farcall', 'python'],
  },
  { name: 'ws', listen: () => 'ws://127.0.0.1:0/rpc', protocols: ['farcall'] },
  { name: 'http', listen: () => 'http://127.0.0.1:0/rpc', protocols: ['farcall'] },
  { name: 'memory', listen: () => 'memory://0', protocols: ['farcall', 'python'] },
  ...(haveOpenssl
    ? [
        {
          name: 'tls',
          listen: () => 'tls://127.0.0.1:0',
          protocols: ['farcall', 'python'] as ProtocolName[],
          get serve() {
            return serverTls();
          },
          get connect() {
            return clientTls();
          },
        },
        {
          name: 'wss',
          listen: () => 'wss://127.0.0.1:0/rpc',
          protocols: ['farcall'] as ProtocolName[],
          get serve() {
            return serverTls();
          },
          get connect() {
            return clientTls();
          },
        },
        {
          name: 'https',
          listen: () => 'https://127.0.0.1:0/rpc',
          protocols: ['farcall'] as ProtocolName[],
          get serve() {
            return serverTls();
          },
          get connect() {
            return clientTls();
          },
        },
      ]
    : []),
];

interface Scenario {
  name: string;
  /** Which protocols and transports it applies to; others do not list it at all. */
  applies?: (protocol: ProtocolName, transport: string) => boolean;
  run(remote: Remote, url: string, options: ConnectOptions): Promise<void>;
}

const channel = (transport: string) => transport !== 'http' && transport !== 'https';
const native = (protocol: ProtocolName) => protocol === 'farcall';
/** Streams and callbacks: the native protocol on a channel carries them, nothing else does. */
const references = (protocol: ProtocolName, transport: string) =>
  native(protocol) && channel(transport);

async function* upTo(n: number): AsyncGenerator<number> {
  for (let i = 1; i <= n; i++) yield i;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Nothing left open on this connection: no stream, no reference, no call. */
async function expectIdle(remote: Remote): Promise<void> {
  // A round trip: what was sent before it (a STOP, a release) has been read there.
  await remote.add(0, 0);
  expect(stats(remote)).toMatchObject({
    open: true,
    pendingCalls: 0,
    streams: { outgoing: 0, incoming: 0 },
    references: { exported: 0, imported: 0 },
  });
}

/** Values both protocols carry exactly (the Python one through pickle, as Python types). */
const sharedValues: unknown[] = [
  0,
  -7,
  2 ** 40,
  1.5,
  Number.POSITIVE_INFINITY,
  'héllo ✓',
  '',
  null,
  true,
  [1, [2, 'x']],
  { k: [null, false] },
  new Uint8Array([0, 255]),
  new Set([1, 2]),
  2n ** 70n,
];

const scenarios: Scenario[] = [
  {
    name: 'calls a function',
    run: async (remote) => expect(await remote.add(2, 3)).toBe(5),
  },
  {
    name: 'calls a namespaced async function',
    run: async (remote) => expect(await remote.math.mul(4, 5)).toBe(20),
  },
  {
    name: 'round-trips the shared value table',
    run: async (remote) => {
      for (const value of sharedValues) expect(await remote.echo(value)).toStrictEqual(value);
    },
  },
  {
    name: 'keeps the name and message of a thrown error',
    run: async (remote) => {
      const error = await remote.fail().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ name: 'TypeError', message: 'unsupported operand' });
    },
  },
  {
    name: 'refuses an unknown method by name',
    run: async (remote) => {
      const error = (await invoke(remote, 'nosuch').catch((e: unknown) => e)) as RemoteError;
      expect(error).toBeInstanceOf(RemoteError);
      expect(error.message).toContain('nosuch');
    },
  },
  {
    name: 'answers concurrent calls, each to its caller',
    run: async (remote) => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => remote.slow(20 - i, i)),
      );
      expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    },
  },
  {
    name: 'answers out of order when calls finish out of order',
    applies: (protocol, transport) => native(protocol) && channel(transport),
    run: async (remote) => {
      const order: string[] = [];
      await Promise.all([
        remote.slow(60, 'slow').then((v) => order.push(v as string)),
        remote.slow(5, 'fast').then((v) => order.push(v as string)),
      ]);
      expect(order).toEqual(['fast', 'slow']);
    },
  },
  {
    name: 'sends notifications, which are run and never answered',
    applies: native,
    run: async (remote) => {
      notify(remote, 'record', 'hello');
      await expect.poll(() => recorded.includes('hello')).toBe(true);
    },
  },
  {
    name: 'refuses a notification where the protocol has none, with ProtocolError',
    applies: (protocol) => !native(protocol),
    run: async (remote) => {
      expect(() => notify(remote, 'record', 'x')).toThrow(ProtocolError);
    },
  },
  {
    name: "carries the caller's deadline: the handler's signal fires when it passes",
    applies: native,
    run: async (remote) => {
      const before = aborts;
      await expect(withOptions(remote, { timeout: 100 }).waitForAbort()).rejects.toBeInstanceOf(
        TimeoutError,
      );
      await expect.poll(() => aborts, { timeout: 3000 }).toBeGreaterThan(before);
    },
  },
  {
    name: 'carries string metadata to the handler',
    applies: native,
    run: async (remote) => {
      expect(await withOptions(remote, { meta: { user: 'ada' } }).whoami()).toBe('ada');
    },
  },
  {
    name: 'passes keyword arguments to a function that takes them',
    run: async (remote) => {
      expect(await callWithKwargs(remote, 'greet', ['bob'], { punctuation: '?' })).toBe(
        'hello bob?',
      );
    },
  },
  {
    name: 'fails a call whose arguments cannot be sent, alone, and goes on',
    applies: native,
    run: async (remote) => {
      await expect(invoke(remote, 'echo', [Symbol('x')])).rejects.toBeInstanceOf(CodecError);
      expect(await remote.add(1, 1)).toBe(2);
    },
  },
  {
    name: 'streams a result to its end, as an async iterable',
    applies: references,
    run: async (remote) => {
      expect(await collect(await remote.count(300))).toEqual(
        Array.from({ length: 300 }, (_, i) => i + 1),
      );
      await expectIdle(remote);
    },
  },
  {
    name: "leaving a stream's loop early stops the producer: its finally runs",
    applies: references,
    run: async (remote) => {
      const before = producersStopped;
      for await (const i of await remote.count(1_000_000)) if (i === 5) break;
      await expect.poll(() => producersStopped, { timeout: 5000 }).toBe(before + 1);
      const stream = await remote.count(1_000_000);
      await stream.next();
      release(stream);
      await expect.poll(() => producersStopped, { timeout: 5000 }).toBe(before + 2);
      await expectIdle(remote);
    },
  },
  {
    name: 'an error in a stream reaches the consumer as a RemoteError where it happened',
    applies: references,
    run: async (remote) => {
      const seen: number[] = [];
      const error = await (async () => {
        for await (const i of await remote.failAt(4)) seen.push(i);
      })().catch((e: unknown) => e);
      expect(seen).toEqual([1, 2, 3]);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ name: 'RangeError', message: 'failed at 4' });
      await expectIdle(remote);
    },
  },
  {
    name: 'carries stream arguments (an async iterable, a ReadableStream) and both directions at once',
    applies: references,
    run: async (remote) => {
      expect(await remote.sum(upTo(500))).toBe(125_250);
      const readable = new ReadableStream<number>({
        start(controller) {
          controller.enqueue(20);
          controller.enqueue(22);
          controller.close();
        },
      });
      expect(await remote.sum(readable)).toBe(42);
      expect(await collect(await remote.double(upTo(300)))).toEqual(
        Array.from({ length: 300 }, (_, i) => 2 * (i + 1)),
      );
      await expectIdle(remote);
    },
  },
  {
    name: 'calls a callback back during the call, and releases it at the end',
    applies: references,
    run: async (remote) => {
      const steps: number[] = [];
      const total = await remote.progress(5, (step) => {
        steps.push(step);
        return step * 10;
      });
      expect(steps).toEqual([1, 2, 3, 4, 5]);
      expect(total).toBe(150);
      await expectIdle(remote);
    },
  },
  {
    name: 'refuses streams and callbacks where they cannot be carried, with a CodecError saying where',
    applies: (protocol, transport) => !references(protocol, transport),
    run: async (remote) => {
      const stream = await remote.sum(upTo(3)).catch((e: unknown) => e);
      expect(stream).toBeInstanceOf(CodecError);
      expect((stream as Error).message).toMatch(
        /cannot send an async iterable: streams are not supported over (HTTP|the python protocol)/,
      );
      const callback = await remote.progress(1, () => 1).catch((e: unknown) => e);
      expect(callback).toBeInstanceOf(CodecError);
      expect((callback as Error).message).toMatch(
        /cannot send a function: callbacks are not supported/,
      );
      // A stream result: the caller hears why, as an error from the server.
      const result = await remote.count(3).catch((e: unknown) => e);
      expect(result).toBeInstanceOf(RemoteError);
      expect((result as Error).message).toMatch(/streams are not supported over/);
      expect(await remote.add(1, 2)).toBe(3);
    },
  },
  {
    name: 'refuses a wrong authkey with AuthenticationError',
    run: async (_remote, url, options) => {
      await expect(connect(url, { ...options, authkey: 'wrong' })).rejects.toBeInstanceOf(
        AuthenticationError,
      );
    },
  },
];

beforeAll(() => {
  if (haveOpenssl) certs = makeCerts();
});
afterAll(() => certs?.cleanup());

for (const transport of transports) {
  for (const protocol of transport.protocols) {
    describe(`${transport.name} × ${protocol}`, () => {
      let server: Server;
      let remote: Remote;
      let options: ConnectOptions;
      beforeAll(async () => {
        server = await serve(api, {
          listen: transport.listen(),
          authkey: KEY,
          protocol,
          logger: false,
          ...transport.serve,
        });
        options = { authkey: KEY, protocol, logger: false, timeout: 5000, ...transport.connect };
        remote = await connect<typeof api>(server.urls[0]!, options);
      });
      afterAll(async () => {
        await close(remote);
        await server.close();
      });
      for (const scenario of scenarios) {
        if (scenario.applies && !scenario.applies(protocol, transport.name)) continue;
        it(scenario.name, () => scenario.run(remote, server.urls[0]!, options));
      }
    });
  }
}
