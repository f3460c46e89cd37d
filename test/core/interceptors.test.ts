/**
 * Interceptors on both ends, over real sockets: what a server interceptor sees of each call
 * (method, arguments, metadata, identity, result, error), what it can do (reject, enrich, time,
 * change), response metadata back to the client, and client interceptors (metadata, retry,
 * tracing, notifications). The matrix over every transport is in test/conformance.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallContext,
  type ClientInterceptor,
  close,
  connect,
  invoke,
  notify,
  ProtocolError,
  type Remote,
  RemoteError,
  type Server,
  type ServerCall,
  type ServerInterceptor,
  serve,
  UsageError,
  withContext,
  withOptions,
} from '../../src/index.js';
import { makeCerts, opensslAvailable } from '../helpers/certs.js';
import { captureLogger } from '../helpers/log.js';

let flaky = 0;
const recorded: string[] = [];
const api = {
  add: (x: number, y: number) => x + y,
  fail: () => {
    throw new TypeError('unsupported operand');
  },
  whoami: withContext((call: CallContext) => ({
    user: call.state.user ?? null,
    meta: call.meta,
  })),
  tagged: withContext((call: CallContext, value: string) => {
    call.responseMeta.etag = `"${value.length}"`;
    return value;
  }),
  taggedFail: withContext((call: CallContext) => {
    call.responseMeta['retry-after'] = '5';
    throw new Error('busy');
  }),
  badMeta: withContext((call: CallContext) => {
    (call.responseMeta as Record<string, unknown>).count = 5;
    call.responseMeta.ok = 'yes';
    return 1;
  }),
  flaky: () => {
    flaky++;
    if (flaky % 3 !== 0) throw new Error(`try ${flaky} failed`);
    return `ok after ${flaky}`;
  },
  record: (value: string) => {
    recorded.push(value);
  },
};

interface Seen {
  kind: string;
  method: string;
  args: unknown[];
  meta: Record<string, string>;
  authenticated: boolean;
  protocol: string;
  outcome: unknown;
}

describe('server interceptors', () => {
  const seen: Seen[] = [];
  const record: ServerInterceptor = async (call, next) => {
    const entry: Seen = {
      kind: call.kind,
      method: call.method,
      args: [...call.args],
      meta: { ...call.meta },
      authenticated: call.identity.authenticated,
      protocol: call.protocol,
      outcome: undefined,
    };
    seen.push(entry);
    try {
      const result = await next();
      entry.outcome = { result };
      return result;
    } catch (error) {
      entry.outcome = { error: (error as Error).message };
      throw error;
    }
  };
  const guard: ServerInterceptor = (call, next) => {
    if (call.method === 'add' && call.meta.token === 'revoked') {
      throw new RemoteError({ name: 'PermissionError', message: 'token revoked' });
    }
    if (call.meta.token) call.state.user = `user-of-${call.meta.token}`;
    // Change the arguments: an interceptor may normalize what the function gets.
    if (call.method === 'add') call.args = call.args.map(Number);
    return next();
  };
  const logger = captureLogger();
  const lines = logger.lines;
  let server: Server;
  let remote: Remote<typeof api>;
  beforeAll(async () => {
    server = await serve(api, {
      listen: 'tcp://127.0.0.1:0',
      authkey: 'key',
      use: [record, guard],
      logger,
    });
    remote = await connect<typeof api>(server.url, { authkey: 'key', logger: false });
  });
  afterAll(async () => {
    await close(remote);
    await server.close();
  });
  afterEach(() => {
    seen.length = 0;
  });

  it('sees the method, arguments, metadata, identity, protocol and the result', async () => {
    const asAda = withOptions(remote, { meta: { token: 'ada' } });
    expect(await asAda.add(2, 3)).toBe(5);
    expect(seen).toEqual([
      {
        kind: 'call',
        method: 'add',
        args: [2, 3],
        meta: { token: 'ada' },
        authenticated: true,
        protocol: 'farcall',
        outcome: { result: 5 },
      },
    ]);
  });

  it('sees the error of a function that throws, and of a method that does not exist', async () => {
    await expect(remote.fail()).rejects.toMatchObject({ name: 'TypeError' });
    await expect(invoke(remote, 'nosuch')).rejects.toMatchObject({ code: 'METHOD_NOT_FOUND' });
    expect(seen.map((s) => s.outcome)).toEqual([
      { error: 'unsupported operand' },
      { error: "no method named 'nosuch'" },
    ]);
  });

  it('rejects a call: the function does not run and the caller gets the error', async () => {
    const revoked = withOptions(remote, { meta: { token: 'revoked' } });
    const error = await revoked.add(1, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ name: 'PermissionError', message: 'token revoked' });
    expect(seen[0]!.outcome).toEqual({ error: 'token revoked' });
  });

  it('enriches: the function reads what the interceptor put in call.state', async () => {
    expect(await withOptions(remote, { meta: { token: 'bob' } }).whoami()).toEqual({
      user: 'user-of-bob',
      meta: { token: 'bob' },
    });
    expect(await remote.whoami()).toEqual({ user: null, meta: {} });
  });

  it('changes the arguments the function gets', async () => {
    expect(await invoke(remote, 'add', ['2', '3'])).toBe(5);
  });

  it('runs around the built-ins too, so a guard can refuse listing the api', async () => {
    await invoke(remote, '$farcall.methods');
    expect(seen.map((s) => s.method)).toEqual(['$farcall.methods']);
  });

  it('runs around notifications, with kind notify', async () => {
    notify(remote, 'record', 'n1');
    await expect.poll(() => recorded.includes('n1')).toBe(true);
    expect(seen[0]).toMatchObject({ kind: 'notify', method: 'record', args: ['n1'] });
  });

  it('sends response metadata with a result and with an error; the client reads it', async () => {
    const metas: Record<string, string>[] = [];
    const reading = withOptions(remote, { onResponseMeta: (meta) => metas.push({ ...meta }) });
    expect(await reading.tagged('abc')).toBe('abc');
    await expect(reading.taggedFail()).rejects.toMatchObject({ message: 'busy' });
    expect(await reading.add(1, 1)).toBe(2);
    expect(metas).toEqual([{ etag: '"3"' }, { 'retry-after': '5' }, {}]);
  });

  it('leaves out response metadata that is not a string, with a log line, and answers', async () => {
    let meta: Readonly<Record<string, string>> | undefined;
    expect(await withOptions(remote, { onResponseMeta: (m) => (meta = m) }).badMeta()).toBe(1);
    expect(meta).toEqual({ ok: 'yes' });
    expect(lines.join('\n')).toContain("response metadata 'count' set by 'badMeta' is a number");
  });
});

describe('a server interceptor that misbehaves', () => {
  it('fails only the call: next() twice, a throwing then, a thrown non-error', async () => {
    const use: ServerInterceptor = (call, next) => {
      if (call.args[0] === 1) return next().then(() => next());
      if (call.args[0] === 2) {
        return {
          // biome-ignore lint/suspicious/noThenProperty: a `then` that throws is what this tests.
          then: () => {
            throw new Error('bad then');
          },
        };
      }
      if (call.args[0] === 3) throw 'a string';
      return next();
    };
    const server = await serve(api, { listen: 'tcp://127.0.0.1:0', use, logger: false });
    const remote = await connect<typeof api>(server.url);
    try {
      await expect(remote.add(1, 1)).rejects.toMatchObject({
        message: expect.stringContaining('next() was called twice'),
      });
      await expect(remote.add(2, 1)).rejects.toMatchObject({ message: 'bad then' });
      await expect(remote.add(3, 1)).rejects.toMatchObject({ message: 'a string' });
      expect(await remote.add(4, 1)).toBe(5);
    } finally {
      await close(remote);
      await server.close();
    }
  });

  it('refuses a use that is not a function, with UsageError', async () => {
    await expect(
      serve(api, { listen: 'tcp://127.0.0.1:0', use: ['nope' as never], logger: false }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

describe('client interceptors and connection metadata', () => {
  const received: Record<string, string>[] = [];
  const capture: ServerInterceptor = (call, next) => {
    received.push({ ...call.meta });
    return next();
  };
  let server: Server;
  beforeAll(async () => {
    server = await serve(api, { listen: 'tcp://127.0.0.1:0', use: capture, logger: false });
  });
  afterAll(() => server.close());
  afterEach(() => {
    received.length = 0;
  });

  it('sends the connection meta with every call, under each call own meta', async () => {
    const remote = await connect<typeof api>(server.url, { meta: { client: 'test/1', user: 'x' } });
    try {
      await remote.add(1, 2);
      await withOptions(remote, { meta: { user: 'ada' } }).add(1, 2);
      await withOptions(withOptions(remote, { meta: { a: '1' } }), { meta: { b: '2' } }).add(1, 2);
      expect(received).toEqual([
        { client: 'test/1', user: 'x' },
        { client: 'test/1', user: 'ada' },
        { client: 'test/1', user: 'x', a: '1', b: '2' },
      ]);
    } finally {
      await close(remote);
    }
  });

  it('adds metadata, sees the result, the error and the response metadata', async () => {
    const log: string[] = [];
    const trace: ClientInterceptor = async (call, next) => {
      call.meta.traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      try {
        const result = await next();
        log.push(
          `${call.method} ok ${JSON.stringify(result)} ${JSON.stringify(call.responseMeta)}`,
        );
        return result;
      } catch (error) {
        log.push(`${call.method} failed ${(error as Error).message}`);
        throw error;
      }
    };
    const remote = await connect<typeof api>(server.url, { use: trace });
    try {
      expect(await remote.tagged('hello')).toBe('hello');
      await expect(remote.fail()).rejects.toBeInstanceOf(RemoteError);
      expect(log).toEqual([
        'tagged ok "hello" {"etag":"\\"5\\""}',
        'fail failed unsupported operand',
      ]);
      expect(received.map((m) => m.traceparent)).toEqual([
        '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      ]);
    } finally {
      await close(remote);
    }
  });

  it('retries: next() may be called again, and onResponseMeta hears the last answer once', async () => {
    const retry: ClientInterceptor = async (_call, next) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await next();
        } catch (error) {
          if (attempt === 5 || !(error instanceof RemoteError)) throw error;
        }
      }
    };
    flaky = 0;
    const remote = await connect<typeof api>(server.url, { use: retry });
    try {
      const metas: unknown[] = [];
      const result = await withOptions(remote, { onResponseMeta: (m) => metas.push(m) }).flaky();
      expect(result).toBe('ok after 3');
      expect(metas).toEqual([{}]);
    } finally {
      await close(remote);
    }
  });

  it('runs interceptors in order, outermost first, and can change the arguments', async () => {
    const order: string[] = [];
    const outer: ClientInterceptor = async (_call, next) => {
      order.push('outer in');
      const result = await next();
      order.push('outer out');
      return result;
    };
    const inner: ClientInterceptor = async (call, next) => {
      order.push('inner in');
      call.args = call.args.map((a) => (a as number) * 10);
      const result = await next();
      order.push('inner out');
      return result;
    };
    const remote = await connect<typeof api>(server.url, { use: [outer, inner] });
    try {
      expect(await remote.add(1, 2)).toBe(30);
      expect(order).toEqual(['outer in', 'inner in', 'inner out', 'outer out']);
    } finally {
      await close(remote);
    }
  });

  it('runs around notifications; a closed connection still throws at the call site', async () => {
    const kinds: string[] = [];
    const tag: ClientInterceptor = (call, next) => {
      kinds.push(call.kind);
      call.meta.via = 'interceptor';
      return next();
    };
    const remote = await connect<typeof api>(server.url, { use: tag });
    notify(remote, 'record', 'n2');
    await expect.poll(() => recorded.includes('n2')).toBe(true);
    expect(kinds).toEqual(['notify']);
    expect(received.at(-1)).toEqual({ via: 'interceptor' });
    await close(remote);
    expect(() => notify(remote, 'record', 'n3')).toThrow(/not open|closed/);
  });

  it('refuses a meta that is not a map of strings with UsageError', async () => {
    await expect(
      connect(server.url, { meta: { n: 1 } as unknown as Record<string, string> }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

describe('metadata where the protocol carries none (python)', () => {
  it('refuses a call with meta with ProtocolError, and connect with meta with UsageError', async () => {
    const server = await serve(api, {
      listen: 'tcp://127.0.0.1:0',
      protocol: 'python',
      logger: false,
    });
    try {
      await expect(
        connect(server.url, { protocol: 'python', meta: { a: 'b' } }),
      ).rejects.toBeInstanceOf(UsageError);
      const remote = await connect<typeof api>(server.url, { protocol: 'python' });
      await expect(withOptions(remote, { meta: { a: 'b' } }).add(1, 2)).rejects.toBeInstanceOf(
        ProtocolError,
      );
      // An empty map is no metadata.
      expect(await withOptions(remote, { meta: {} }).add(1, 2)).toBe(3);
      await close(remote);
    } finally {
      await server.close();
    }
  });
});

const haveOpenssl = opensslAvailable();
describe.runIf(haveOpenssl)('identity from a TLS client certificate', () => {
  it('gives interceptors the verified subject; none without a certificate or key', async () => {
    const certs = makeCerts();
    const identities: ServerCall['identity'][] = [];
    const server = await serve(api, {
      listen: ['tls://127.0.0.1:0', 'tcp://127.0.0.1:0'],
      tls: {
        key: certs.serverKey,
        cert: certs.serverCert,
        ca: certs.caCert,
        requestCert: true,
        rejectUnauthorized: true,
      },
      use: (call, next) => {
        identities.push(call.identity);
        return next();
      },
      logger: false,
    });
    try {
      const tls = await connect<typeof api>(server.urls[0]!, {
        tls: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey },
      });
      const tcp = await connect<typeof api>(server.urls[1]!);
      await tls.add(1, 1);
      await tcp.add(1, 1);
      expect(identities[0]).toMatchObject({
        authenticated: false,
        certificate: {
          subject: { CN: 'farcall test client' },
          fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
        },
      });
      expect(identities[1]).toEqual({ authenticated: false, certificate: undefined });
      await Promise.all([close(tls), close(tcp)]);
    } finally {
      await server.close();
      certs.cleanup();
    }
  });
});
