import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallContext,
  ConnectionClosedError,
  close,
  connect,
  type Remote,
  RemoteError,
  type Server,
  serve,
  TimeoutError,
  withContext,
  withOptions,
} from '../../src/index.js';

/** Resolves with the abort reason once `signal` aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason)));

describe('withContext: the call context on the server', () => {
  const reasons: unknown[] = [];
  let contexts: CallContext[] = [];
  const api = {
    whoami: withContext((context: CallContext, greeting: string) => {
      contexts.push(context);
      return `${greeting}, ${context.meta.user ?? 'nobody'} (${context.method})`;
    }),
    wait: withContext(async (context: CallContext) => {
      contexts.push(context);
      reasons.push(await aborted(context.signal));
      return 'never seen';
    }),
    plain: (x: number) => x + 1,
  };
  let server: Server;
  let remote: Remote<typeof api>;
  beforeAll(async () => {
    server = await serve(api, { listen: 'tcp://127.0.0.1:0', logger: false });
    remote = await connect<typeof api>(server.urls[0]!);
  });
  afterAll(async () => {
    await close(remote);
    await server.close();
  });

  it('passes the caller metadata and the method name; the caller does not pass the context', async () => {
    const asAlice = withOptions(remote, { meta: { user: 'alice' } });
    expect(await asAlice.whoami('hello')).toBe('hello, alice (whoami)');
    expect(await remote.whoami('hi')).toBe('hi, nobody (whoami)');
    expect(contexts.at(-1)?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await remote.plain(1)).toBe(2);
  });

  it('aborts the signal when the caller gives up', async () => {
    contexts = [];
    reasons.length = 0;
    await expect(withOptions(remote, { timeout: 50 }).wait()).rejects.toBeInstanceOf(TimeoutError);
    await expect.poll(() => reasons.length).toBe(1);
    // The client's timeout sends a cancel; the server's own deadline timer would fire too.
    const reason = reasons[0];
    expect(reason instanceof RemoteError || reason instanceof TimeoutError).toBe(true);
    expect(contexts[0]!.signal.aborted).toBe(true);
  });

  it('aborts the signal when the connection closes', async () => {
    reasons.length = 0;
    const other = await connect<typeof api>(server.urls[0]!);
    const call = other.wait().catch((e: unknown) => e);
    await expect.poll(() => contexts.length).toBeGreaterThan(1);
    await close(other);
    expect(await call).toBeInstanceOf(ConnectionClosedError);
    await expect.poll(() => reasons.length).toBe(1);
    expect(reasons[0]).toBeInstanceOf(ConnectionClosedError);
  });
});
