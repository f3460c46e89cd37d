/**
 * The remote as code meets it: conversions that happen implicitly are answered locally (no call
 * is sent for them), errors carry the caller's stack and the method, and `withOptions` is cheap
 * enough for every call.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  close,
  connect,
  type Remote,
  RemoteError,
  type Server,
  serve,
  TimeoutError,
  withOptions,
} from '../../src/index.js';

const calls: string[] = [];
const api = {
  fail: () => {
    throw new TypeError('bad operand');
  },
  slow: () => new Promise(() => {}),
  add: (x: number, y: number) => x + y,
};

let server: Server;
let remote: Remote<typeof api>;
beforeAll(async () => {
  server = await serve(api, {
    listen: 'tcp://127.0.0.1:0',
    logger: { info: (m) => calls.push(m), warn: (m) => calls.push(m) },
  });
  remote = await connect<typeof api>(server.url, { logger: false });
});
afterAll(async () => {
  await close(remote);
  await server.close();
});

describe('implicit conversions are answered locally', () => {
  it('JSON.stringify, template strings, String(), +, inspect and toStringTag send no call', async () => {
    const text = JSON.stringify({ client: remote, method: remote.add });
    expect(text).toBe(`{"client":"Remote(${server.url})","method":"Remote(${server.url} add)"}`);
    expect(`${remote}`).toBe(`Remote(${server.url})`);
    expect(String(remote.add)).toBe(`Remote(${server.url} add)`);
    expect(`${remote.add}`).toContain('add');
    expect(inspect(remote)).toBe(`Remote(${server.url})`);
    expect(Object.prototype.toString.call(remote)).toBe('[object Remote]');
    expect((remote as unknown as { then?: unknown }).then).toBeUndefined();
    // Had any of these been sent, the server would have answered METHOD_NOT_FOUND, and a call
    // still works on the same connection.
    expect(await remote.add(1, 2)).toBe(3);
    expect(calls.filter((line) => /toJSON|toString|valueOf/.test(line))).toEqual([]);
  });
});

describe('errors carry the call site and the method', () => {
  it('a RemoteError names the method, says its class first, and holds the caller in its stack', async () => {
    async function callerFunctionName() {
      return await remote.fail();
    }
    const error = (await callerFunctionName().catch((e: unknown) => e)) as RemoteError;
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.method).toBe('fail');
    expect(error.stack?.split('\n')[0]).toBe('TypeError: bad operand');
    expect(error.stack).toContain('callerFunctionName');
  });

  it('a TimeoutError holds the caller in its stack too', async () => {
    async function waitingCaller() {
      return await withOptions(remote, { timeout: 20 }).slow();
    }
    const error = (await waitingCaller().catch((e: unknown) => e)) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toMatch(/'slow'.*20 ms/);
    expect(error.stack).toContain('waitingCaller');
  });
});

describe('withOptions', () => {
  it('per call: options apply to that call only, and the connection is shared', async () => {
    const quick = withOptions(remote, { timeout: 10 });
    await expect(quick.slow()).rejects.toBeInstanceOf(TimeoutError);
    // A generous timeout of its own: the machine may be busy; what matters is that it is its own.
    expect(await withOptions(quick, { timeout: 10_000 }).add(2, 2)).toBe(4);
    expect(await remote.add(3, 3)).toBe(6);
    for (let i = 0; i < 1000; i++)
      expect(await withOptions(remote, { meta: { i: String(i) } }).add(i, 1)).toBe(i + 1);
  });

  it('a timeout alone: the same remote for the same timeout, on top of what the base has', async () => {
    expect(withOptions(remote, { timeout: 10 })).toBe(withOptions(remote, { timeout: 10 }));
    expect(withOptions(remote, { timeout: 10 })).not.toBe(withOptions(remote, { timeout: 11 }));
    // Anything beyond a timeout makes a remote of its own.
    const signal = new AbortController().signal;
    expect(withOptions(remote, { timeout: 10, signal })).not.toBe(
      withOptions(remote, { timeout: 10, signal }),
    );
    // The shared remote keeps the base's other options: here the base's signal.
    const controller = new AbortController();
    const abortable = withOptions(remote, { signal: controller.signal });
    const timed = withOptions(abortable, { timeout: 10_000 });
    const pending = timed.slow();
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    // A bad timeout is still refused at the call, every time.
    await expect(withOptions(remote, { timeout: -1 }).add(1, 1)).rejects.toMatchObject({
      name: 'UsageError',
    });
    await expect(withOptions(remote, { timeout: -1 }).add(1, 1)).rejects.toMatchObject({
      name: 'UsageError',
    });
    // Many distinct timeouts are fine (the shared set stays small).
    for (let i = 1; i <= 40; i++)
      expect(await withOptions(remote, { timeout: 10_000 + i }).add(i, 0)).toBe(i);
  });
});

describe('values a connection cannot carry are refused on the sending side', () => {
  async function* numbers() {
    yield 1;
  }

  it('a promise: CodecError naming it, nothing sent, even where streams and callbacks travel', async () => {
    const error = (await remote
      .add(Promise.resolve(1) as unknown as number, 1)
      .catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('CodecError');
    expect(error.message).toMatch(/promise/i);
    expect(await remote.add(1, 1)).toBe(2);
  });

  it('over HTTP, an async generator, a ReadableStream and a function too: CodecError naming it and HTTP', async () => {
    const web = await serve(api, { listen: 'http://127.0.0.1:0/rpc', logger: false });
    const http = await connect<typeof api>(web.url, { logger: false });
    try {
      const cases: [unknown, RegExp][] = [
        [numbers(), /async iterable: streams are not supported over HTTP/],
        [new ReadableStream(), /ReadableStream: streams are not supported over HTTP/],
        [Promise.resolve(1), /promise/i],
        [() => 1, /function: callbacks are not supported over HTTP/],
      ];
      for (const [value, kind] of cases) {
        const error = (await http.add(value as number, 1).catch((e: unknown) => e)) as Error;
        expect(error.name).toBe('CodecError');
        expect(error.message).toMatch(kind);
      }
      expect(await http.add(1, 1)).toBe(2);
    } finally {
      await close(http);
      await web.close();
    }
  });
});
