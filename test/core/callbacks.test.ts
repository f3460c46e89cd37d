/**
 * Callbacks over the native protocol, between two real sessions on a memory pair: a function
 * passed as an argument, called back during its call and released at its end; `retain` and
 * `release`; functions in results; errors both ways; the counts of `stats()` back to zero.
 */
import { describe, expect, it } from 'vitest';
import {
  type Callback,
  type CallContext,
  CodecError,
  ConnectionClosedError,
  notify,
  RemoteError,
  release,
  retain,
  UsageError,
  withContext,
  withOptions,
} from '../../src/index.js';
import type { Session } from '../../src/session.js';
import { memorySessions } from '../helpers/memory-session.js';

function expectIdle(...sessions: Session[]): void {
  for (const session of sessions) {
    expect(session.stats()).toMatchObject({
      pendingCalls: 0,
      runningCalls: 0,
      streams: { outgoing: 0, incoming: 0 },
      references: { exported: 0, imported: 0 },
    });
  }
}

type Fn = (...args: unknown[]) => Promise<unknown>;

describe('a callback passed as an argument', () => {
  it('is called back during the call, with its result and its errors; released when the call ends', async () => {
    let kept: Fn | undefined;
    const api = {
      progress: async (steps: number, onProgress: Callback<(percent: number) => string>) => {
        const replies: string[] = [];
        for (let i = 1; i <= steps; i++) replies.push(await onProgress((100 * i) / steps));
        kept = onProgress as Fn;
        return replies;
      },
      failing: async (fn: Fn) => {
        try {
          await fn();
          return 'no error';
        } catch (error) {
          return `${(error as RemoteError).constructor.name} ${(error as Error).name}: ${(error as Error).message}`;
        }
      },
    };
    const { remote, client, server } = await memorySessions(api);
    const r = remote as {
      progress(steps: number, fn: (p: number) => string): Promise<string[]>;
      failing(fn: () => never): Promise<string>;
    };
    const seen: number[] = [];
    expect(
      await r.progress(4, (p) => {
        seen.push(p);
        return `got ${p}`;
      }),
    ).toEqual(['got 25', 'got 50', 'got 75', 'got 100']);
    expect(seen).toEqual([25, 50, 75, 100]);
    expectIdle(client, server);
    // Called after its call ended: a clear error, and nothing is sent.
    await expect(kept!(1)).rejects.toThrow(/released when the call that passed it ended/);
    await expect(kept!(1)).rejects.toBeInstanceOf(UsageError);
    expect(() => retain(kept!)).toThrow(UsageError);
    // A callback that throws: the server gets a RemoteError.
    expect(
      await r.failing(() => {
        throw new TypeError('no thanks');
      }),
    ).toBe('RemoteError TypeError: no thanks');
    expectIdle(client, server);
    await client.close();
  });

  it('a callback the server does not await does not become an unhandled rejection', async () => {
    const api = {
      fireAndForget: (fn: Fn) => {
        void fn();
        return 'sent';
      },
    };
    const { remote, client, server } = await memorySessions(api);
    // The call ends before the callback's answer comes; the client still runs it.
    let ran = 0;
    expect(
      await (remote as { fireAndForget(fn: () => void): Promise<string> }).fireAndForget(() => {
        ran++;
      }),
    ).toBe('sent');
    await expect.poll(() => ran).toBe(1);
    await expect.poll(() => server.stats().pendingCalls).toBe(0);
    expectIdle(client, server);
    await client.close();
  });

  it('retain(fn) keeps it past its call, until release(fn); then the other end drops it too', async () => {
    let kept: Fn | undefined;
    const api = {
      subscribe: (fn: Fn) => {
        kept = retain(fn);
        return 'subscribed';
      },
      publish: async (event: string) => (await kept!(event)) as string,
      unsubscribe: () => {
        release(kept!);
        return 'unsubscribed';
      },
    };
    const { remote, client, server } = await memorySessions(api);
    const r = remote as {
      subscribe(fn: (e: string) => string): Promise<string>;
      publish(event: string): Promise<string>;
      unsubscribe(): Promise<string>;
    };
    const events: string[] = [];
    expect(
      await r.subscribe((e) => {
        events.push(e);
        return e.toUpperCase();
      }),
    ).toBe('subscribed');
    expect(client.stats().references.exported).toBe(1);
    expect(server.stats().references.imported).toBe(1);
    expect(await r.publish('a')).toBe('A');
    expect(await r.publish('b')).toBe('B');
    expect(events).toEqual(['a', 'b']);
    expect(await r.unsubscribe()).toBe('unsubscribed');
    // The RELEASE went before this answer: both ends dropped it.
    expectIdle(client, server);
    await expect(r.publish('c')).rejects.toMatchObject({ name: 'UsageError' });
    await expect(kept!('d')).rejects.toThrow(/was released \(release\(fn\)\)/);
    release(kept!); // twice is harmless
    await client.close();
  });

  it('a retained callback dies with the connection: calls reject with ConnectionClosedError', async () => {
    let kept: Fn | undefined;
    const api = {
      subscribe: (fn: Fn) => {
        kept = retain(fn);
      },
    };
    const { remote, client, server, clientTransport } = await memorySessions(api);
    await (remote as { subscribe(fn: () => void): Promise<void> }).subscribe(() => {});
    clientTransport.cut();
    await expect(kept!()).rejects.toBeInstanceOf(ConnectionClosedError);
    expectIdle(client, server);
  });

  it('functions passed to a notification are refused at the call site', async () => {
    const { remote, client, server } = await memorySessions({ log: () => {} });
    expect(() => notify(remote, 'log', () => {})).toThrow(CodecError);
    expect(() => notify(remote, 'log', () => {})).toThrow(/in a notification/);
    expectIdle(client, server);
    await client.close();
  });

  it('a call that times out drops its callbacks at once, and the late answer is not read', async () => {
    let calledBack = 0;
    let later: Fn | undefined;
    const api = {
      // Answers only once its caller gave up: the answer is late, and dropped unread.
      slow: withContext(async (call: CallContext, fn: Fn) => {
        later = fn;
        await new Promise((resolve) => call.signal.addEventListener('abort', resolve));
        return 'late';
      }),
    };
    const { remote, client, server } = await memorySessions(api);
    const r = withOptions(remote as { slow(fn: () => void): Promise<string> }, { timeout: 20 });
    await expect(
      r.slow(() => {
        calledBack++;
      }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    // The caller dropped it: the server's call was cancelled and its callback ended with it.
    expect(client.stats().references.exported).toBe(0);
    await expect.poll(() => server.stats().references.imported).toBe(0);
    await expect(later!()).rejects.toBeInstanceOf(UsageError);
    expect(calledBack).toBe(0);
    await client.close();
  });
});

describe('a function in a result', () => {
  it('is kept until the receiver releases it, and counted meanwhile', async () => {
    let unsubscribed = 0;
    const api = {
      subscribe: (topic: string) => () => {
        unsubscribed++;
        return `unsubscribed ${topic}`;
      },
      ping: () => 'pong',
    };
    const { remote, client, server } = await memorySessions(api);
    const r = remote as {
      subscribe(t: string): Promise<() => Promise<string>>;
      ping(): Promise<string>;
    };
    const unsubscribe = await r.subscribe('news');
    expect(typeof unsubscribe).toBe('function');
    expect(server.stats().references.exported).toBe(1);
    expect(client.stats().references.imported).toBe(1);
    expect(await unsubscribe()).toBe('unsubscribed news');
    expect(await unsubscribe()).toBe('unsubscribed news');
    expect(unsubscribed).toBe(2);
    release(unsubscribe);
    await r.ping();
    expectIdle(client, server);
    await expect(unsubscribe()).rejects.toBeInstanceOf(UsageError);
    await client.close();
  });

  it('a function the peer no longer has is a RemoteError, not a hang', async () => {
    const { remote, client } = await memorySessions({ echo: (v: unknown) => v });
    // A hand-made INVOKE of reference 99, which nobody exported.
    const error = await client
      .call('callback 99', [], undefined, 99)
      .catch((e: unknown) => e as RemoteError);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ name: 'CallbackReleasedError', code: 'METHOD_NOT_FOUND' });
    expect(await (remote as { echo(v: number): Promise<number> }).echo(1)).toBe(1);
    await client.close();
  });
});

describe('references inside stream items', () => {
  it('functions and streams in items work; those in items dropped unread are let go', async () => {
    const api = {
      handlers: async function* () {
        for (let i = 0; ; i++) {
          yield {
            reply: (x: number) => x + i,
            more: (async function* () {
              yield i;
            })(),
          };
        }
      },
      ping: () => 'pong',
    };
    const { remote, client, server } = await memorySessions(api, { limits: { streamWindow: 8 } });
    const r = remote as {
      handlers(): Promise<
        AsyncIterableIterator<{
          reply: (x: number) => Promise<number>;
          more: AsyncIterable<number>;
        }>
      >;
      ping(): Promise<string>;
    };
    const stream = await r.handlers();
    const first = (await stream.next()).value!;
    expect(await first.reply(10)).toBe(10);
    const inner: number[] = [];
    for await (const n of first.more) inner.push(n);
    expect(inner).toEqual([0]);
    const second = (await stream.next()).value!;
    expect(await second.reply(10)).toBe(11);
    // Let the producer fill the window, then leave: the buffered items' references go too.
    await r.ping();
    expect(client.stats().references.imported).toBeGreaterThan(2);
    release(stream);
    release(first.reply);
    release(second.reply);
    release(second.more);
    await r.ping();
    expectIdle(client, server);
    await client.close();
  });
});

describe('retain and release refuse what farcall did not pass', () => {
  it('throws UsageError for a local function or value', () => {
    expect(() => retain(() => {})).toThrow(UsageError);
    expect(() => release(() => {})).toThrow(UsageError);
    expect(() => release({})).toThrow(UsageError);
  });
});
