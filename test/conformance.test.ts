/**
 * The conformance matrix: one list of scenarios, run over every transport × protocol pair that
 * supports them. A new transport or protocol joins by adding a row; each scenario says which
 * protocols it applies to, so a missing capability is a visible choice, not a silent gap.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  acceptsKwargs,
  type Callback,
  type CallContext,
  type ClientInterceptor,
  CodecError,
  ConnectionClosedError,
  type ConnectOptions,
  callWithKwargs,
  close,
  connect,
  connectChild,
  connectWorker,
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
  serveChild,
  serveWorker,
  stats,
  TimeoutError,
  UsageError,
  withContext,
  withOptions,
} from '../src/index.js';
import { Registry } from '../src/registry.js';
import { makeCerts, opensslAvailable, type TestCerts } from './helpers/certs.js';
import { type NatsServer, natsServerAvailable, startNatsServer } from './helpers/nats-server.js';

const recorded: unknown[] = [];
let aborts = 0;
let waiting = 0;
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
      new Promise((_, reject) => {
        waiting++;
        call.signal.addEventListener('abort', () => {
          aborts++;
          reject(call.signal.reason);
        });
      }),
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
  /** The address to serve on; a transport without addresses has `open` instead. */
  listen?(): string;
  /** The protocols this transport carries (the Python one needs a byte stream or a channel). */
  protocols: ProtocolName[];
  serve?: Partial<ServeOptions>;
  connect?: Partial<ConnectOptions>;
  /** The URL a client dials for the server's URL (default: the same). */
  dial?: (url: string) => string;
  /** Protocols that run without an authkey here (the recipe over ZeroMQ has no handshake). */
  keyless?: ProtocolName[];
  /**
   * For a transport without addresses (a thread, a process): serves `api` at the far end and
   * connects to it with `options`.
   */
  open?(protocol: ProtocolName, options: ConnectOptions): Promise<Opened>;
}

/** A connection the matrix runs scenarios on, and how to open another to the same end. */
interface Opened {
  remote: Remote;
  url: string;
  /** Another connection to the same end (a child's stdio carries one: it rejects). */
  reconnect(options: ConnectOptions): Promise<Remote>;
  close(): Promise<void>;
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
  ...localTransports(),
];

const fixture = (name: string) =>
  fileURLToPath(new URL(`./workers/fixtures/${name}`, import.meta.url));

/**
 * The worker and process transports. Beyond a port pair in this thread, the far end is a real
 * thread or process running a relay (`test/workers/fixtures/relay.js`, on the built package):
 * it serves what it reaches in this process, so each call crosses the transport both ways.
 */
function localTransports(): Transport[] {
  const serveOptions = (protocol: ProtocolName) => ({
    authkey: KEY,
    protocol,
    logger: false as const,
    use: serverInterceptor,
  });
  return [
    {
      name: 'port',
      protocols: ['farcall', 'python'],
      async open(protocol, options) {
        const { port1, port2 } = new MessageChannel();
        const server = await serveWorker(api, { ...serveOptions(protocol), port: port1 });
        const remote = await connectWorker<typeof api>(port2, options);
        return {
          remote,
          url: 'worker:port',
          reconnect: (o) => connectWorker<typeof api>(port2, o),
          async close() {
            await close(remote);
            await server.close();
            port1.close();
          },
        };
      },
    },
    {
      name: 'worker',
      protocols: ['farcall'],
      async open(protocol, options) {
        const worker = new Worker(fixture('relay.js'), { workerData: { authkey: KEY } });
        const server = await serveChild(worker, api, serveOptions(protocol));
        const remote = await connectWorker<typeof api>(worker, options);
        return {
          remote,
          url: `worker:${worker.threadId}`,
          reconnect: (o) => connectWorker<typeof api>(worker, o),
          async close() {
            await close(remote);
            await server.close();
            await worker.terminate();
          },
        };
      },
    },
    {
      name: 'child',
      protocols: ['farcall'],
      open: (protocol, options) =>
        openChild(
          fork(fixture('relay.js'), [], {
            serialization: 'advanced',
            env: { ...process.env, FARCALL_RELAY_AUTHKEY: KEY },
          }),
          protocol,
          options,
        ),
    },
    {
      name: 'stdio',
      protocols: ['farcall'],
      async open(_protocol, options) {
        // One connection: the child relays through what this end exposes on it.
        const methods = JSON.stringify(new Registry(api).describe());
        const child = spawn(process.execPath, [fixture('stdio-relay.js'), methods], {
          stdio: ['pipe', 'pipe', 'inherit'],
          env: { ...process.env, FARCALL_RELAY_AUTHKEY: KEY },
        });
        const remote = await connectChild<typeof api>(child, { ...options, expose: api });
        return {
          remote,
          url: `child:${child.pid}`,
          reconnect: () => Promise.reject(new Error('stdio carries one connection')),
          close: () => endChild(child, remote),
        };
      },
    },
  ];

  async function openChild(
    child: ChildProcess,
    protocol: ProtocolName,
    options: ConnectOptions,
  ): Promise<Opened> {
    const server = await serveChild(child, api, serveOptions(protocol));
    const remote = await connectChild<typeof api>(child, options);
    return {
      remote,
      url: `child:${child.pid}`,
      reconnect: (o) => connectChild<typeof api>(child, o),
      async close() {
        await endChild(child, remote);
        await server.close();
      },
    };
  }

  async function endChild(child: ChildProcess, remote: Remote): Promise<void> {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await close(remote);
    child.kill();
    await exited;
  }
}

interface Scenario {
  name: string;
  /** Which protocols and transports it applies to; others do not list it at all. */
  applies?: (protocol: ProtocolName, transport: string) => boolean;
  run(
    remote: Remote,
    url: string,
    options: ConnectOptions,
    reconnect: (options: ConnectOptions) => Promise<Remote>,
    protocol: ProtocolName,
  ): Promise<void>;
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
/** A child's stdio carries one connection: scenarios that open another do not apply there. */
const reconnects = (transport: string) => transport !== 'stdio';
/**
 * Over a child's stdio the api is exposed by this end's client (`expose`), which has no server
 * interceptors; everywhere else a server answers it, with the matrix's interceptor.
 */
const served = (transport: string) => transport !== 'stdio';
/** Rows whose far end is a relay back to this process (`test/workers/fixtures/relay.js`). */
const relayed = (transport: string) => ['worker', 'child', 'stdio'].includes(transport);
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
    run: async (remote, _url, _options, _reconnect, protocol) => {
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
    run: async (remote, _url, _options, _reconnect, protocol) => {
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
    name: "closing a connection fails its calls with ConnectionClosedError, and the handlers' signals fire",
    // Not where the far end is a relay (its own call would have to end ours), nor over NATS and
    // ZeroMQ exchanges, where no connection of the server's ends with the client's. Nor under
    // the Python protocol: a closing client's end of the socket looks like a half-close, whose
    // calls are still answered, and without pings the server learns the peer is gone only when
    // it writes the answer (README, "Security").
    applies: (protocol, transport) =>
      protocol !== 'python' &&
      !['worker', 'child', 'stdio', 'nats', 'zmq+tcp?exchange'].includes(transport),
    run: async (_remote, _url, options, reconnect) => {
      // No timeout and no signal: only the close can end this call.
      const other = await reconnect({ ...options, timeout: 0 });
      const started = waiting;
      const before = aborts;
      const call = other.waitForAbort().then(
        () => undefined,
        (error: unknown) => error,
      );
      await expect.poll(() => waiting, { timeout: 3000 }).toBeGreaterThan(started);
      await close(other);
      const error = await call;
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error).toMatchObject({ requested: true });
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
    applies: (_protocol, transport) => served(transport),
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
    applies: (_protocol, transport) => served(transport),
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
    applies: (_protocol, transport) => served(transport),
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
    // A relay (worker, child, stdio rows) forwards a notification as a call.
    applies: (protocol, transport) => native(protocol) && !relayed(transport),
    run: async (remote) => {
      notify(remote, 'record', 'intercepted');
      await expect.poll(() => seenFor('record', 'intercepted').length).toBe(1);
      expect(seenFor('record', 'intercepted')[0]).toMatchObject({ kind: 'notify' });
    },
  },
  {
    name: 'W3C traceparent passes from a client interceptor to a server interceptor, and response metadata back',
    applies: (protocol, transport) => native(protocol) && reconnects(transport),
    run: async (_remote, _url, options, reconnect) => {
      const answers: Readonly<Record<string, string>>[] = [];
      const traced = await reconnect({ ...options, use: tracing(answers) });
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
    applies: (protocol, transport) => native(protocol) && reconnects(transport),
    run: async (_remote, _url, options, reconnect) => {
      const named = await reconnect({ ...options, meta: { client: 'matrix' } });
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
    applies: (_protocol, transport) => reconnects(transport),
    run: async (_remote, _url, options, reconnect) => {
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
      const wrapped = await reconnect({ ...options, use: retryOnce });
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
    applies: (protocol, transport) => keyed(protocol, transport) && reconnects(transport),
    run: async (_remote, _url, options, reconnect) => {
      await expect(reconnect({ ...options, authkey: 'wrong' })).rejects.toBeInstanceOf(
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
      let opened: Opened;
      let options: ConnectOptions;
      const authkey = transport.keyless?.includes(protocol) ? undefined : KEY;
      beforeAll(async () => {
        options = { authkey, protocol, logger: false, timeout: 5000, ...transport.connect };
        if (transport.open) {
          opened = await transport.open(protocol, options);
          return;
        }
        const server: Server = await serve(api, {
          listen: transport.listen!(),
          authkey,
          protocol,
          logger: false,
          use: serverInterceptor,
          ...transport.serve,
        });
        const url = transport.dial ? transport.dial(server.urls[0]!) : server.urls[0]!;
        const remote = await connect<typeof api>(url, options);
        opened = {
          remote,
          url,
          reconnect: (o) => connect<typeof api>(url, o),
          async close() {
            await close(remote);
            await server.close();
          },
        };
      });
      afterAll(() => opened.close());
      beforeEach(() => {
        intercepted.length = 0;
      });
      for (const scenario of scenarios) {
        if (scenario.applies && !scenario.applies(protocol, transport.name)) continue;
        it(scenario.name, () =>
          scenario.run(opened.remote, opened.url, options, opened.reconnect, protocol),
        );
      }
    });
  }
}
