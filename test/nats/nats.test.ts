/**
 * The NATS transport against a real nats-server: discovery through the services API, cancels
 * that reach the handler, NATS's own credentials, the bounds (max_payload, requestTimeout),
 * and bad input from a plain NATS client, answered without harm to anyone else.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type NatsConnection,
  connect as natsConnect,
  nkeyAuthenticator,
  nkeys,
} from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  type CallContext,
  ConnectionClosedError,
  close,
  connect,
  invoke,
  LimitError,
  ProtocolError,
  RemoteError,
  type Server,
  serve,
  TimeoutError,
  UsageError,
  withContext,
  withOptions,
} from '../../src/index.js';
import { makeCerts, opensslAvailable } from '../helpers/certs.js';
import { type NatsServer, natsServerAvailable, startNatsServer } from '../helpers/nats-server.js';

const haveNats = natsServerAvailable();
const haveOpenssl = opensslAvailable();
let aborted = 0;
const api = {
  add: (x: number, y: number) => x + y,
  echo: (value: unknown) => value,
  big: (n: number) => 'x'.repeat(n),
  never: () => new Promise(() => {}),
  waitForAbort: withContext(
    (call: CallContext) =>
      new Promise((_, reject) =>
        call.signal.addEventListener('abort', () => {
          aborted++;
          reject(call.signal.reason);
        }),
      ),
  ),
};
type Api = typeof api;

/** The answers of `count` servers to `subject` (or what came within 2 s), as JSON. */
async function gather(
  nc: NatsConnection,
  subject: string,
  count = 2,
): Promise<Record<string, unknown>[]> {
  const answers: Record<string, unknown>[] = [];
  for await (const msg of await nc.requestMany(subject, '', {
    strategy: 'count',
    maxWait: 2000,
    maxMessages: count,
  })) {
    answers.push(msg.json());
  }
  return answers;
}

describe.skipIf(!haveNats)('nats:// on a real nats-server', () => {
  let nats: NatsServer;
  let dir: string;
  let servers: Server[];
  let raw: NatsConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'farcall-nats-'));
    const config = join(dir, 'nats.conf');
    // A small max_payload, to meet it with small values.
    writeFileSync(config, 'max_payload: 65536\n');
    nats = await startNatsServer(['-c', config]);
    servers = [
      await serve(api, { listen: nats.url('calc.v1'), logger: false }),
      await serve(api, { listen: nats.url('calc.v1'), logger: false }),
    ];
    raw = await natsConnect({ servers: `127.0.0.1:${nats.port}` });
  });
  afterAll(async () => {
    await raw?.close();
    for (const server of servers ?? []) await server.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers every server with the services API: PING, INFO with its methods, STATS', async () => {
    const remote = await connect<Api>(servers[0]!.url, { logger: false });
    for (let i = 0; i < 10; i++) await remote.add(i, i);
    await close(remote);
    const pings = await gather(raw, '$SRV.PING.calc_v1');
    expect(pings).toHaveLength(2);
    expect(new Set(pings.map((p) => p.id)).size).toBe(2);
    expect(pings[0]).toMatchObject({ type: 'io.nats.micro.v1.ping_response', name: 'calc_v1' });
    const infos = await gather(raw, '$SRV.INFO.calc_v1');
    expect(infos).toHaveLength(2);
    expect(infos[0]).toMatchObject({
      type: 'io.nats.micro.v1.info_response',
      endpoints: [
        {
          name: 'farcall',
          subject: 'calc.v1',
          queue_group: 'farcall',
          metadata: { add: 'x, y', echo: 'value', big: 'n', never: '', waitForAbort: '' },
        },
      ],
    });
    const stats = await gather(raw, '$SRV.STATS.calc_v1');
    const requests = stats.map((s) => (s.endpoints as { num_requests: number }[])[0]!.num_requests);
    // The probe of connect and ten calls, shared by the two.
    expect(requests.reduce((a, b) => a + b)).toBe(11);
    // One instance by its id.
    const one = await raw.request(`$SRV.PING.calc_v1.${pings[0]!.id}`, '', { timeout: 1000 });
    expect(one.json()).toMatchObject({ id: pings[0]!.id });
  });

  it("carries a cancel to the server that runs the call: the handler's signal aborts", async () => {
    const remote = await connect<Api>(servers[0]!.url, { logger: false });
    const before = aborted;
    const controller = new AbortController();
    const call = withOptions(remote, { signal: controller.signal }).waitForAbort();
    // Once the call is running on one of the servers (their STATS count it), give up on it.
    await expect
      .poll(async () => {
        const stats = await gather(raw, '$SRV.STATS.calc_v1');
        return stats.reduce(
          (n, s) => n + (s.endpoints as { num_requests: number }[])[0]!.num_requests,
          0,
        );
      })
      .toBeGreaterThan(11 + 1);
    controller.abort();
    await expect(call).rejects.toThrow(/aborted/);
    await expect.poll(() => aborted, { timeout: 5000 }).toBe(before + 1);
    await close(remote);
  });

  it('bounds a call without a timeout by transport.requestTimeout, with TimeoutError', async () => {
    const remote = await connect<Api>(servers[0]!.url, {
      logger: false,
      transport: { requestTimeout: 300 },
    });
    const error = await remote.never().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/no answer on 'calc.v1' .*within 300 ms/);
    await close(remote);
  });

  it("refuses a call over the NATS server's max_payload with LimitError, and an answer over it with a clear error", async () => {
    const remote = await connect<Api>(servers[0]!.url, { logger: false });
    const call = await remote.echo('y'.repeat(70_000)).catch((e: unknown) => e);
    expect(call).toBeInstanceOf(LimitError);
    expect((call as Error).message).toMatch(/max_payload of 65536/);
    const answer = await remote.big(70_000).catch((e: unknown) => e);
    expect(answer).toBeInstanceOf(ProtocolError);
    expect((answer as Error).message).toMatch(
      /the answer is \d+ bytes, over the NATS server's max_payload/,
    );
    expect(await remote.add(1, 2)).toBe(3);
    await close(remote);
  });

  it('answers bad input from a plain NATS client with a clear refusal and serves on', async () => {
    const garbage = await raw.request('calc.v1', new Uint8Array([0xc1, 0xff, 0x00]), {
      timeout: 2000,
    });
    expect(garbage.headers?.get('farcall-status')).toBe('415');
    const { headers } = await import('@nats-io/transport-node');
    const typed = headers();
    typed.set('content-type', 'application/x-msgpack');
    const malformed = await raw.request('calc.v1', new Uint8Array([0xc1, 0xff, 0x00]), {
      timeout: 2000,
      headers: typed,
    });
    expect(malformed.headers?.get('farcall-status')).toBe('400');
    expect(new TextDecoder().decode(malformed.data)).toMatch(/^farcall: /);
    const remote = await connect<Api>(servers[1]!.url, { logger: false });
    expect(await invoke(remote, 'add', [2, 2])).toBe(4);
    await close(remote);
  });

  it('bounds the calls one server runs at once (limits.maxInFlight), whoever sends them', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await serve(
      { hold: () => gate.then(() => 'done') },
      { listen: nats.url('admission'), logger: false, limits: { maxInFlight: 2 } },
    );
    const clients = [
      await connect<{ hold(): string }>(server.url, { logger: false }),
      await connect<{ hold(): string }>(server.url, { logger: false }),
    ];
    const held = [clients[0]!.hold(), clients[1]!.hold()];
    // Both are running once the server's STATS count them (and the two probes).
    await expect
      .poll(async () => {
        const [stats] = await gather(raw, '$SRV.STATS.admission', 1);
        return (stats?.endpoints as { num_requests: number }[] | undefined)?.[0]?.num_requests;
      })
      .toBe(4);
    const refused = await clients[0]!.hold().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RemoteError);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE' });
    release();
    expect(await Promise.all(held)).toEqual(['done', 'done']);
    for (const client of clients) await close(client);
    await server.close();
  });

  it('refuses a subject with wildcards, and a NATS server that cannot be reached', async () => {
    await expect(connect(`nats://127.0.0.1:${nats.port}/calc.*`)).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(serve(api, { listen: `nats://127.0.0.1:${nats.port}/a.>` })).rejects.toThrow(
      /without wildcards/,
    );
    // A port nothing listens on: the one of a NATS server that is gone.
    const gone = await startNatsServer();
    await gone.stop();
    const error = await connect(gone.url('calc.v1'), { logger: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).message).toMatch(/cannot reach the NATS server at 127.0.0.1:\d+/);
  });
});

describe.skipIf(!haveNats)("NATS's own credentials", () => {
  it('user and password in the URL; a wrong one is AuthenticationError; urls leave them out', async () => {
    const nats = await startNatsServer(['--user', 'ada', '--pass', 's3cret']);
    try {
      const url = `nats://ada:s3cret@127.0.0.1:${nats.port}/secure`;
      const server = await serve(api, { listen: url, logger: false });
      expect(server.urls).toEqual([`nats://127.0.0.1:${nats.port}/secure`]);
      const remote = await connect<Api>(url, { logger: false });
      expect(await remote.add(20, 22)).toBe(42);
      await close(remote);
      const wrong = `nats://ada:nope@127.0.0.1:${nats.port}/secure`;
      await expect(connect(wrong, { logger: false })).rejects.toBeInstanceOf(AuthenticationError);
      await expect(connect(nats.url('secure'), { logger: false })).rejects.toThrow(
        /refused the credentials/,
      );
      await server.close();
    } finally {
      await nats.stop();
    }
  });

  it.skipIf(!haveOpenssl)(
    'TLS to the NATS server: the tls option of serve and connect',
    async () => {
      const certs = makeCerts();
      const nats = await startNatsServer([
        '--tls',
        '--tlscert',
        join(certs.dir, 'server.crt'),
        '--tlskey',
        join(certs.dir, 'server.key'),
      ]);
      try {
        const tls = { ca: certs.caCert };
        const server = await serve(api, { listen: nats.url('tls'), logger: false, tls });
        const remote = await connect<Api>(nats.url('tls'), { logger: false, tls });
        expect(await remote.add(3, 4)).toBe(7);
        await close(remote);
        // Without the CA, the NATS server's certificate is not trusted.
        await expect(connect(nats.url('tls'), { logger: false })).rejects.toBeInstanceOf(
          ConnectionClosedError,
        );
        await server.close();
      } finally {
        await nats.stop();
        certs.cleanup();
      }
    },
  );

  it('an nkey: an authenticator in transport.nats', async () => {
    const user = nkeys.createUser();
    const dir = mkdtempSync(join(tmpdir(), 'farcall-nkey-'));
    const config = join(dir, 'nats.conf');
    writeFileSync(config, `authorization { users = [ { nkey: ${user.getPublicKey()} } ] }\n`);
    const nats = await startNatsServer(['-c', config]);
    try {
      const transport = { nats: { authenticator: nkeyAuthenticator(user.getSeed()) } };
      const server = await serve(api, { listen: nats.url('nkeys'), logger: false, transport });
      const remote = await connect<Api>(nats.url('nkeys'), { logger: false, transport });
      expect(await remote.add(5, 5)).toBe(10);
      await close(remote);
      const stranger = nkeyAuthenticator(nkeys.createUser().getSeed());
      await expect(
        connect(nats.url('nkeys'), {
          logger: false,
          transport: { nats: { authenticator: stranger } },
        }),
      ).rejects.toBeInstanceOf(AuthenticationError);
      await server.close();
    } finally {
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a creds file that cannot be read is a UsageError naming it', async () => {
    const error = await connect('nats://127.0.0.1:4222/x', {
      logger: false,
      transport: { credsFile: join(tmpdir(), 'farcall-no-such.creds') },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/cannot read the NATS creds file: .*no-such\.creds/);
  });

  it('a token in the URL, or in transport.nats', async () => {
    const nats = await startNatsServer(['--auth', 'tok3n']);
    try {
      const server = await serve(api, {
        listen: nats.url('tokens'),
        logger: false,
        transport: { nats: { token: 'tok3n' } },
      });
      const remote = await connect<Api>(`nats://tok3n@127.0.0.1:${nats.port}/tokens`, {
        logger: false,
      });
      expect(await remote.add(1, 1)).toBe(2);
      await close(remote);
      await server.close();
    } finally {
      await nats.stop();
    }
  });
});
