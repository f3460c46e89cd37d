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
  type ConnectOptions,
  close,
  connect,
  invoke,
  type ProtocolName,
  RemoteError,
  type ServeOptions,
  type Server,
  serve,
} from '../src/index.js';
import { makeCerts, opensslAvailable, type TestCerts } from './helpers/certs.js';

const api = {
  add: (x: number, y: number) => x + y,
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
  serve?: Partial<ServeOptions>;
  connect?: Partial<ConnectOptions>;
}

let certs: TestCerts | undefined;
const haveOpenssl = opensslAvailable();

const transports: Transport[] = [
  { name: 'tcp', listen: () => 'tcp://127.0.0.1:0' },
  {
    name: 'unix',
    listen: () => `unix:${join(tmpdir(), `farcall-conf-${process.pid}-${Math.random()}.sock`)}`,
  },
  ...(haveOpenssl
    ? [
        {
          name: 'tls',
          listen: () => 'tls://127.0.0.1:0',
          get serve() {
            return { tls: { key: certs!.serverKey, cert: certs!.serverCert } };
          },
          get connect() {
            return { tls: { ca: certs!.caCert } };
          },
        },
      ]
    : []),
];
const protocols: ProtocolName[] = ['farcall', 'python'];

interface Scenario {
  name: string;
  protocols?: ProtocolName[];
  run(remote: Remote, url: string, options: ConnectOptions): Promise<void>;
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
    protocols: ['farcall'],
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
  for (const protocol of protocols) {
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
        const applies = !scenario.protocols || scenario.protocols.includes(protocol);
        it.skipIf(!applies)(scenario.name, () => scenario.run(remote, server.urls[0]!, options));
      }
    });
  }
}
