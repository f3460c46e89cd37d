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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  acceptsKwargs,
  type CallContext,
  CodecError,
  type ConnectOptions,
  callWithKwargs,
  close,
  connect,
  connectChild,
  connectWorker,
  invoke,
  notify,
  ProtocolError,
  type ProtocolName,
  RemoteError,
  type ServeOptions,
  type Server,
  serve,
  serveChild,
  serveWorker,
  TimeoutError,
  withContext,
  withOptions,
} from '../src/index.js';
import { Registry } from '../src/registry.js';
import { makeCerts, opensslAvailable, type TestCerts } from './helpers/certs.js';

const recorded: unknown[] = [];
let aborts = 0;

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
};
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
  reconnect(options: ConnectOptions): Promise<unknown>;
  close(): Promise<void>;
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
          reconnect: (o) => connectWorker(port2, o),
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
          reconnect: (o) => connectWorker(worker, o),
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
      reconnect: (o) => connectChild(child, o),
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
    reconnect: (options: ConnectOptions) => Promise<unknown>,
  ): Promise<void>;
}

const channel = (transport: string) => transport !== 'http' && transport !== 'https';
const native = (protocol: ProtocolName) => protocol === 'farcall';

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
      await expect(invoke(remote, 'echo', [() => 1])).rejects.toBeInstanceOf(CodecError);
      expect(await remote.add(1, 1)).toBe(2);
    },
  },
  {
    name: 'refuses a wrong authkey with AuthenticationError',
    // A child's stdio carries one connection: there is no second one to refuse.
    applies: (_protocol, transport) => transport !== 'stdio',
    run: async (_remote, _url, options, reconnect) => {
      await expect(reconnect({ ...options, authkey: 'wrong' })).rejects.toBeInstanceOf(
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
      let opened: Opened;
      let options: ConnectOptions;
      beforeAll(async () => {
        options = { authkey: KEY, protocol, logger: false, timeout: 5000, ...transport.connect };
        if (transport.open) {
          opened = await transport.open(protocol, options);
          return;
        }
        const server: Server = await serve(api, {
          listen: transport.listen!(),
          authkey: KEY,
          protocol,
          logger: false,
          ...transport.serve,
        });
        const url = server.urls[0]!;
        const remote = await connect<typeof api>(url, options);
        opened = {
          remote,
          url,
          reconnect: (o) => connect(url, o),
          async close() {
            await close(remote);
            await server.close();
          },
        };
      });
      afterAll(() => opened.close());
      for (const scenario of scenarios) {
        if (scenario.applies && !scenario.applies(protocol, transport.name)) continue;
        it(scenario.name, () => scenario.run(opened.remote, opened.url, options, opened.reconnect));
      }
    });
  }
}
