/**
 * `farcall/fetch` under Node's own `Request` and `Response`. A real farcall client calls it
 * through a transport that hands each request to the handler as a `Request` (no socket: the
 * Fetch API is the whole interface), and raw `Request`s check the statuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchHandlerOptions, fetchHandler } from '../../src/fetch.js';
import {
  AuthenticationError,
  close,
  connect,
  RemoteError,
  registerTransport,
  type TransportModule,
  UsageError,
  withOptions,
} from '../../src/index.js';
import { captureLogger } from '../helpers/log.js';

const api = {
  add: (x: number, y: number) => x + y,
  math: { mul: (x: number, y: number) => x * y },
  fail: () => {
    throw new TypeError('unsupported operand');
  },
  echo: (value: unknown) => value,
};
type Api = typeof api;

/** Handlers by host, so each test's `fetchtest://HOST/rpc` reaches its own. */
const handlers = new Map<string, (request: Request) => Promise<Response>>();
const fetchTransport: TransportModule = {
  shape: 'exchange',
  async dial(url) {
    const parsed = new URL(url);
    return {
      peer: parsed.host,
      path: parsed.pathname,
      async request(request) {
        const handle = handlers.get(parsed.host)!;
        const response = await handle(
          new Request(`http://${parsed.host}${parsed.pathname}`, {
            method: 'POST',
            headers: { ...request.headers, 'content-type': request.contentType },
            body: request.body as Uint8Array<ArrayBuffer>,
          }),
        );
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          headers[name] = value;
        });
        return {
          status: response.status,
          body: new Uint8Array(await response.arrayBuffer()),
          headers,
        };
      },
      close: async () => {},
    };
  },
};

let next = 0;
function mount(options: FetchHandlerOptions = {}): {
  url: string;
  handle: (request: Request) => Promise<Response>;
} {
  const host = `handler${next++}`;
  const handle = fetchHandler(api, { logger: false, ...options });
  handlers.set(host, handle);
  return { url: `fetchtest://${host}/rpc`, handle };
}

beforeAll(() => registerTransport(['fetchtest'], fetchTransport));
afterAll(() => handlers.clear());

const post = (
  body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
  init: RequestInit = {},
) =>
  new Request('http://handler/rpc', {
    method: 'POST',
    headers: { 'content-type': 'application/x-msgpack', ...headers },
    body,
    ...init,
  });

describe('fetchHandler', () => {
  it('answers a farcall client: calls, batches, errors by name, rich values, the authkey', async () => {
    const { url } = mount({ authkey: 'fetch-key' });
    const remote = await connect<Api>(url, { authkey: 'fetch-key' });
    // Calls of one turn leave in one request: a batch.
    expect(await Promise.all([remote.add(2, 3), remote.math.mul(4, 5)])).toEqual([5, 20]);
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).name).toBe('TypeError');
    const value = {
      when: new Date(0),
      big: 2n ** 70n,
      bytes: new Uint8Array([1, 2]),
      map: new Map([[1, 2]]),
    };
    expect(await remote.echo(value)).toEqual(value);
    await close(remote);
    await expect(connect<Api>(url, { authkey: 'wrong' })).rejects.toThrow(AuthenticationError);
  });

  it('carries deadlines: a call past its timeout fails, and the next is answered', async () => {
    const slow = {
      wait: (ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)),
    };
    const host = `handler${next++}`;
    handlers.set(host, fetchHandler(slow, { logger: false }));
    const remote = await connect<typeof slow>(`fetchtest://${host}/rpc`);
    await expect(withOptions(remote, { timeout: 50 }).wait(5000)).rejects.toThrow(/timed out/);
    expect(await remote.wait(1)).toBe(1);
    await close(remote);
  });

  it('answers only at its path when given one', async () => {
    const { handle } = mount({ path: '/api' });
    const response = await handle(post(new Uint8Array([0x90])));
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('no farcall endpoint at /rpc');
  });

  it('refuses what is not a POST, bodies over the limit, and bodies that never end', async () => {
    const log = captureLogger();
    const { handle } = mount({ limits: { maxFrameBytes: 64, requestTimeoutMs: 100 }, logger: log });
    const get = await handle(new Request('http://handler/rpc'));
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    // Streamed past the limit: refused, and the reading stops there.
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(32));
      },
    });
    const large = await handle(post(endless, {}, { duplex: 'half' } as RequestInit));
    expect(large.status).toBe(413);
    // Three chunks of 32 bytes pass 64 (the stream may have pulled one ahead), never more.
    expect(pulled).toBeLessThanOrEqual(4);
    // Declared too large: refused before a byte of the body is read.
    const declared = await handle(post(new Uint8Array(65)));
    expect(declared.status).toBe(413);
    // A body that trickles and never ends: cut off at limits.requestTimeoutMs.
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([0x90]));
      },
    });
    const slow = await handle(post(stalled, {}, { duplex: 'half' } as RequestInit));
    expect(slow.status).toBe(408);
    expect(log.lines.some((line) => line.includes('limits.requestTimeoutMs'))).toBe(true);
    // And it serves on.
    const ok = await handle(post(new Uint8Array([0x90])));
    expect(ok.status).toBe(200);
  });

  it('answers CORS preflights for its origins and refuses other pages', async () => {
    const { handle } = mount({ origins: ['https://app.example'] });
    const preflight = (origin: string) =>
      handle(
        new Request('http://handler/rpc', {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
        }),
      );
    const allowed = await preflight('https://app.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('farcall-auth');
    expect((await preflight('https://evil.example')).status).toBe(403);
    const call = await handle(post(new Uint8Array([0x90]), { origin: 'https://evil.example' }));
    expect(call.status).toBe(403);
  });

  it('throws UsageError at once for a bad option', () => {
    expect(() => fetchHandler(api, { origins: ['not an origin'] })).toThrow(UsageError);
    expect(() => fetchHandler(api, { limits: { maxFrameBytes: -1 } })).toThrow(RangeError);
  });
});
