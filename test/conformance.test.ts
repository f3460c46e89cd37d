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
  type ServeOptions,
  type Server,
  serve,
  TimeoutError,
  withContext,
  withOptions,
} from '../src/index.js';
import { makeCerts, opensslAvailable, type TestCerts } from './helpers/certs.js';
import { type NatsServer, natsServerAvailable, startNatsServer } from './helpers/nats-server.js';

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
  listen(): string;
  /** The protocols this transport carries (the Python one needs a byte stream or a channel). */
  protocols: ProtocolName[];
  serve?: Partial<ServeOptions>;
  connect?: Partial<ConnectOptions>;
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
  { name: 'ws', listen: () => 'ws://127.0.0.1:0/rpc', protocols: ['farcall'] },
  { name: 'http', listen: () => 'http://127.0.0.1:0/rpc', protocols: ['farcall'] },
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

/** Answers may come out of order: channels, and NATS, which sends one request per call. */
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
