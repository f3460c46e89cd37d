/**
 * The conformance matrix: one list of scenarios, run over every transport × protocol pair that
 * supports them. A new transport or protocol joins by adding a row; each scenario says which
 * protocols it applies to, so a missing capability is a visible choice, not a silent gap.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  acceptsKwargs,
  type Callback,
  type CallContext,
  type ClientInterceptor,
  CodecError,
  type ConnectOptions,
  callWithKwargs,
  close,
  connect,
  ErrorCode,
  invoke,
  listMethods,
  notify,
  ProtocolError,
  type ProtocolName,
  RemoteError,
  release,
  type ServeOptions,
  type Server,
  type ServerCall,
  type ServerInterceptor,
  serve,
  stats,
  TimeoutError,
  UsageError,
  withContext,
  withOptions,
} from '../src/index.js';
import { makeCerts, opensslAvailable, type TestCerts } from './helpers/certs.js';
import { type NatsServer, natsServerAvailable, startNatsServer } from './helpers/nats-server.js';

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
  tagged: withContext((call: CallContext, value: string) => {
    call.responseMeta.etag = `"${value}"`;
    return `${value} for ${call.state.user ?? 'nobody'}`;
  }),
};

/** What the servers' interceptor saw of each call, in order. */
interface Intercepted {
  kind: ServerCall['kind'];
  method: string;
  args: unknown[];
  meta: Record<string, string>;
  authenticated: boolean;
  protocol: string;
  outcome?: { result: unknown } | { error: string };
}
const intercepted: Intercepted[] = [];
/** Every server of the matrix runs it: it records, refuses add(-1, -1), and enriches. */
const serverInterceptor: ServerInterceptor = async (call, next) => {
  const seen: Intercepted = {
    kind: call.kind,
    method: call.method,
    args: [...call.args],
    meta: { ...call.meta },
    authenticated: call.identity.authenticated,
    protocol: call.protocol,
  };
  intercepted.push(seen);
  if (call.method === 'add' && call.args[0] === -1 && call.args[1] === -1) {
    seen.outcome = { error: 'refused' };
    throw new RemoteError({ name: 'PermissionError', message: 'add(-1, -1) is refused here' });
  }
  if (call.meta.traceparent) {
    call.state.user = `trace ${call.meta.traceparent.split('-')[1]}`;
    call.responseMeta['server-timing'] = 'app;dur=1';
  }
  try {
    const result = await next();
    seen.outcome = { result };
    return result;
  } catch (error) {
    seen.outcome = { error: (error as Error).message };
    throw error;
  }
};
const seenFor = (method: string, first: unknown) =>
  intercepted.filter((s) => s.method === method && s.args[0] === first);

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
/** A client interceptor that passes W3C trace context and keeps what came back. */
function tracing(answers: Readonly<Record<string, string>>[]): ClientInterceptor {
  return async (call, next) => {
    call.meta.traceparent = TRACEPARENT;
    try {
      return await next();
    } finally {
      if (call.responseMeta) answers.push(call.responseMeta);
    }
  };
}
type Remote = Awaited<ReturnType<typeof connect<typeof api>>>;

const KEY = 'conformance';

interface Transport {
  name: string;
  listen(): string;
  /** The protocols this transport carries (the Python one needs a byte stream or a channel). */
  protocols: ProtocolName[];
  serve?: Partial<ServeOptions>;
  connect?: Partial<ConnectOptions>;
  /** The URL a client dials for the server's URL (default: the same). */
  dial?: (url: string) => string;
  /** Protocols that run without an authkey here (the recipe over ZeroMQ has no handshake). */
  keyless?: ProtocolName[];
}

let certs: TestCerts | undefined;
const haveOpenssl = opensslAvailable();
let natsServer: NatsServer | undefined;
const haveNats = natsServerAvailable();
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
  {
    name: 'ws',
    listen: () => 'ws://127.0.0.1:0/rpc',
    protocols: ['farcall', 'jsonrpc'],
    // JSON-RPC has no opening in which to prove a key on a channel.
    keyless: ['jsonrpc'],
  },
  {
    name: 'http',
    listen: () => 'http://127.0.0.1:0/rpc',
    protocols: ['farcall', 'jsonrpc', 'xmlrpc'],
  },
  { name: 'memory', listen: () => 'memory://0', protocols: ['farcall', 'python'] },
  ...(haveNats
    ? [
        {
          name: 'nats',
          // A subject of its own per row, on the nats-server this file starts.
          listen: () => natsServer!.url(`conformance.${process.pid}`),
          protocols: ['farcall'] as ProtocolName[],
        },
      ]
    : []),
  {
    name: 'zmq+tcp',
    listen: () => 'zmq+tcp://127.0.0.1:0',
    protocols: ['farcall', 'python'],
    keyless: ['python'],
  },
  {
    name: 'zmq+tcp?exchange',
    listen: () => 'zmq+tcp://127.0.0.1:0',
    protocols: ['farcall'],
    dial: (url) => `${url}?exchange`,
  },
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
  run(remote: Remote, url: string, options: ConnectOptions, protocol: ProtocolName): Promise<void>;
}

/** Answers may come out of order: channels, and NATS, which sends one request per call. */
const channel = (transport: string) =>
  transport !== 'http' && transport !== 'https' && transport !== 'zmq+tcp?exchange';
/**
 * Where the protocol can prove an authkey: not the recipe over ZeroMQ (no handshake there), and
 * not JSON-RPC on a channel (no opening to prove it in; over HTTP each request proves it).
 */
const keyed = (protocol: ProtocolName, transport: string) =>
  !(protocol === 'python' && transport === 'zmq+tcp') &&
  !(protocol === 'jsonrpc' && channel(transport));
const native = (protocol: ProtocolName) => protocol === 'farcall';
/** Streams and callbacks: the native protocol on a channel carries them, nothing else does. */
/** Streams and callbacks: the native protocol on a channel (NATS is an exchange, one request a call). */
const references = (protocol: ProtocolName, transport: string) =>
  native(protocol) && channel(transport) && transport !== 'nats';

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

/**
 * What each protocol carries, as its `Capabilities` declare (src/protocol/NAME/index.ts): a
 * scenario that needs what a protocol lacks does not run for it, and where the protocol refuses
 * it, a scenario asserts the typed refusal instead.
 */
const carries: Record<
  ProtocolName,
  { notify: boolean; deadline: boolean; meta: boolean; kwargs: boolean }
> = {
  farcall: { notify: true, deadline: true, meta: true, kwargs: true },
  python: { notify: false, deadline: false, meta: false, kwargs: true },
  jsonrpc: { notify: true, deadline: false, meta: false, kwargs: false },
  xmlrpc: { notify: false, deadline: false, meta: false, kwargs: false },
};
const can =
  (what: keyof (typeof carries)[ProtocolName]) =>
  (protocol: ProtocolName): boolean =>
    carries[protocol][what];
const cannot =
  (what: keyof (typeof carries)[ProtocolName]) =>
  (protocol: ProtocolName): boolean =>
    !carries[protocol][what];

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

/** What JSON carries exactly. */
const jsonValues: unknown[] = [
  0,
  -7,
  2 ** 40,
  1.5,
  'héllo ✓',
  '',
  null,
  true,
  [1, [2, 'x']],
  { k: [null, false] },
];

/** What XML-RPC carries exactly (a BigInt past 2^53 comes back as one; dates in whole seconds). */
const xmlValues: unknown[] = [
  ...jsonValues,
  Number.POSITIVE_INFINITY,
  new Uint8Array([0, 255]),
  2n ** 62n,
  new Date(Date.UTC(2020, 0, 2, 3, 4, 5)),
];

const valuesOf: Record<ProtocolName, unknown[]> = {
  farcall: sharedValues,
  python: sharedValues,
  jsonrpc: jsonValues,
  xmlrpc: xmlValues,
};

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
    name: 'round-trips the value table of its protocol',
    run: async (remote, _url, _options, protocol) => {
      for (const value of valuesOf[protocol]) {
        expect(await remote.echo(value)).toStrictEqual(value);
      }
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
    run: async (remote, _url, _options, protocol) => {
      const error = (await invoke(remote, 'nosuch').catch((e: unknown) => e)) as RemoteError;
      expect(error).toBeInstanceOf(RemoteError);
      expect(error.method).toBe('nosuch');
      // JSON-RPC's -32601 says "Method not found" and nothing more, as its specification does.
      if (protocol === 'jsonrpc') expect(error.code).toBe(ErrorCode.METHOD_NOT_FOUND);
      else expect(error.message).toContain('nosuch');
    },
  },
  {
    name: 'lists its methods',
    run: async (remote) => {
      const methods = [
        ...Object.keys(api).filter((name) => name !== 'math'),
        ...Object.keys(api.math).map((name) => `math.${name}`),
      ];
      expect(await listMethods(remote)).toEqual(methods.sort());
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
    applies: (protocol, transport) =>
      (native(protocol) || protocol === 'jsonrpc') && channel(transport),
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
    applies: can('notify'),
    run: async (remote, url) => {
      notify(remote, 'record', `hello ${url}`);
      await expect.poll(() => recorded.includes(`hello ${url}`)).toBe(true);
    },
  },
  {
    name: 'refuses a notification where the protocol has none, with ProtocolError',
    applies: cannot('notify'),
    run: async (remote) => {
      expect(() => notify(remote, 'record', 'x')).toThrow(ProtocolError);
    },
  },
  {
    name: "carries the caller's deadline: the handler's signal fires when it passes",
    applies: can('deadline'),
    run: async (remote) => {
      const before = aborts;
      await expect(withOptions(remote, { timeout: 100 }).waitForAbort()).rejects.toBeInstanceOf(
        TimeoutError,
      );
      await expect.poll(() => aborts, { timeout: 3000 }).toBeGreaterThan(before);
    },
  },
  {
    name: 'times out locally where the deadline does not travel',
    applies: cannot('deadline'),
    run: async (remote) => {
      await expect(withOptions(remote, { timeout: 50 }).slow(300, 'late')).rejects.toBeInstanceOf(
        TimeoutError,
      );
      expect(await remote.add(1, 1)).toBe(2);
    },
  },
  {
    name: 'carries string metadata to the handler',
    applies: can('meta'),
    run: async (remote) => {
      expect(await withOptions(remote, { meta: { user: 'ada' } }).whoami()).toBe('ada');
    },
  },
  {
    name: 'passes keyword arguments to a function that takes them',
    applies: can('kwargs'),
    run: async (remote) => {
      expect(await callWithKwargs(remote, 'greet', ['bob'], { punctuation: '?' })).toBe(
        'hello bob?',
      );
    },
  },
  {
    name: 'refuses keyword arguments where the protocol has none, with ProtocolError',
    applies: cannot('kwargs'),
    run: async (remote) => {
      await expect(
        callWithKwargs(remote, 'greet', ['bob'], { punctuation: '?' }),
      ).rejects.toBeInstanceOf(ProtocolError);
      expect(await remote.add(1, 1)).toBe(2);
    },
  },
  {
    name: 'fails a call whose arguments cannot be sent, alone, and goes on',
    applies: (protocol) => protocol !== 'python',
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
        /cannot send an async iterable: streams are not supported over (HTTP|the \w+ protocol)/,
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
    name: 'server interceptors see each call: method, arguments, identity, protocol, result',
    run: async (remote, _url, options) => {
      expect(await remote.add(20, 22)).toBe(42);
      expect(seenFor('add', 20)).toEqual([
        {
          kind: 'call',
          method: 'add',
          args: [20, 22],
          meta: {},
          authenticated: options.authkey !== undefined,
          protocol: options.protocol ?? 'farcall',
          outcome: { result: 42 },
        },
      ]);
    },
  },
  {
    name: 'server interceptors see the error of a function that throws',
    run: async (remote) => {
      const before = intercepted.length;
      await expect(remote.fail()).rejects.toBeInstanceOf(RemoteError);
      expect(intercepted.slice(before).map((s) => s.outcome)).toEqual([
        { error: 'unsupported operand' },
      ]);
    },
  },
  {
    name: 'a server interceptor rejects a call: the caller gets its error, the function never runs',
    run: async (remote) => {
      const error = await remote.add(-1, -1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ name: 'PermissionError' });
      expect((error as Error).message).toContain('add(-1, -1) is refused here');
      expect(await remote.add(1, 2)).toBe(3);
    },
  },
  {
    name: 'server interceptors run around notifications too',
    applies: native,
    run: async (remote) => {
      notify(remote, 'record', 'intercepted');
      await expect.poll(() => seenFor('record', 'intercepted').length).toBe(1);
      expect(seenFor('record', 'intercepted')[0]).toMatchObject({ kind: 'notify' });
    },
  },
  {
    name: 'W3C traceparent passes from a client interceptor to a server interceptor, and response metadata back',
    applies: native,
    run: async (_remote, url, options) => {
      const answers: Readonly<Record<string, string>>[] = [];
      const traced = await connect<typeof api>(url, { ...options, use: tracing(answers) });
      try {
        expect(await traced.tagged('v1')).toBe('v1 for trace 4bf92f3577b34da6a3ce929d0e0e4736');
        expect(seenFor('tagged', 'v1')[0]!.meta).toEqual({ traceparent: TRACEPARENT });
        expect(answers).toEqual([{ etag: '"v1"', 'server-timing': 'app;dur=1' }]);
        let read: Readonly<Record<string, string>> | undefined;
        await withOptions(traced, { onResponseMeta: (meta) => (read = meta) }).tagged('v2');
        expect(read).toEqual({ etag: '"v2"', 'server-timing': 'app;dur=1' });
      } finally {
        await close(traced);
      }
    },
  },
  {
    name: 'sends the connection meta with every call',
    applies: native,
    run: async (_remote, url, options) => {
      const named = await connect<typeof api>(url, { ...options, meta: { client: 'matrix' } });
      try {
        await named.add(30, 1);
        await withOptions(named, { meta: { user: 'ada' } }).add(31, 1);
        expect([...seenFor('add', 30), ...seenFor('add', 31)].map((s) => s.meta)).toEqual([
          { client: 'matrix' },
          { client: 'matrix', user: 'ada' },
        ]);
      } finally {
        await close(named);
      }
    },
  },
  {
    name: 'client interceptors run on every protocol: they change arguments and retry',
    run: async (_remote, url, options) => {
      let tries = 0;
      const retryOnce: ClientInterceptor = async (call, next) => {
        call.args = call.args.map((a) => (a as number) + 100);
        try {
          tries++;
          return await next();
        } catch {
          tries++;
          call.args = [1, 1];
          return next();
        }
      };
      const wrapped = await connect<typeof api>(url, { ...options, use: retryOnce });
      try {
        expect(await wrapped.add(1, 2)).toBe(203);
        // -101 + 100 is -1: refused by the server's interceptor, then retried with (1, 1).
        expect(await wrapped.add(-101, -101)).toBe(2);
        expect(tries).toBe(3);
      } finally {
        await close(wrapped);
      }
    },
  },
  {
    name: 'refuses call metadata where the protocol carries none, with ProtocolError',
    applies: (protocol) => !native(protocol),
    run: async (remote) => {
      await expect(withOptions(remote, { meta: { user: 'ada' } }).add(1, 1)).rejects.toBeInstanceOf(
        ProtocolError,
      );
    },
  },
  {
    name: 'refuses an authkey where the protocol has no handshake, with UsageError',
    applies: (protocol, transport) => !keyed(protocol, transport),
    run: async (_remote, url, options) => {
      await expect(connect(url, { ...options, authkey: KEY })).rejects.toBeInstanceOf(UsageError);
    },
  },
  {
    name: 'refuses a wrong authkey with AuthenticationError',
    applies: keyed,
    run: async (_remote, url, options) => {
      await expect(connect(url, { ...options, authkey: 'wrong' })).rejects.toBeInstanceOf(
        AuthenticationError,
      );
    },
  },
];

beforeAll(async () => {
  if (haveOpenssl) certs = makeCerts();
  if (haveNats) natsServer = await startNatsServer();
});
afterAll(async () => {
  certs?.cleanup();
  await natsServer?.stop();
});

for (const transport of transports) {
  for (const protocol of transport.protocols) {
    describe(`${transport.name} × ${protocol}`, () => {
      let server: Server;
      let remote: Remote;
      let options: ConnectOptions;
      let url: string;
      const authkey = transport.keyless?.includes(protocol) ? undefined : KEY;
      beforeAll(async () => {
        server = await serve(api, {
          listen: transport.listen(),
          authkey,
          protocol,
          logger: false,
          use: serverInterceptor,
          ...transport.serve,
        });
        options = { authkey, protocol, logger: false, timeout: 5000, ...transport.connect };
        url = transport.dial ? transport.dial(server.urls[0]!) : server.urls[0]!;
        remote = await connect<typeof api>(url, options);
      });
      afterAll(async () => {
        await close(remote);
        await server.close();
      });
      beforeEach(() => {
        intercepted.length = 0;
      });
      for (const scenario of scenarios) {
        if (scenario.applies && !scenario.applies(protocol, transport.name)) continue;
        it(scenario.name, () => scenario.run(remote, url, options, protocol));
      }
    });
  }
}
