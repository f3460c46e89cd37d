/**
 * Streams over the native protocol, between two real sessions on a memory pair: results,
 * arguments, both directions, early exit, errors, backpressure, many streams at once, and the
 * counts of `stats()` back to zero after each.
 */
import { describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  DEFAULT_LIMITS,
  RemoteError,
  release,
  stats,
  TimeoutError,
  toReadableStream,
  withOptions,
} from '../../src/index.js';
import type { Session } from '../../src/session.js';
import { memorySessions } from '../helpers/memory-session.js';

/** Every count of both ends at zero: no stream, reference or call left behind. */
function expectIdle(...sessions: Session[]): void {
  for (const session of sessions) {
    expect(session.stats()).toMatchObject({
      pendingCalls: 0,
      streams: { outgoing: 0, incoming: 0 },
      references: { exported: 0, imported: 0 },
    });
  }
}

/** A promise and the function that resolves it, for a producer's `finally` to report. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 1; i <= n; i++) yield i;
}

describe('a stream result', () => {
  it('arrives as an async iterable of every item, then ends; nothing is left open', async () => {
    const { remote, client, server } = await memorySessions({ count: numbers });
    const r = remote as { count(n: number): Promise<AsyncIterableIterator<number>> };
    const stream = await r.count(1000);
    expect(typeof stream[Symbol.asyncIterator]).toBe('function');
    expect(await collect(stream)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expectIdle(client, server);
    await client.close();
  });

  it('does not start the producer before the first read', async () => {
    let started = 0;
    const api = {
      lazy: async function* () {
        started++;
        yield 1;
      },
      ping: () => 'pong',
    };
    const { remote, client, server } = await memorySessions(api);
    const r = remote as { lazy(): Promise<AsyncIterableIterator<number>>; ping(): Promise<string> };
    const stream = await r.lazy();
    // A round trip later, still nothing pulled.
    expect(await r.ping()).toBe('pong');
    expect(started).toBe(0);
    expect(server.stats().streams.outgoing).toBe(1);
    expect(client.stats().streams.incoming).toBe(1);
    expect(await collect(stream)).toEqual([1]);
    expect(started).toBe(1);
    expectIdle(client, server);
    await client.close();
  });

  it('leaving the loop early (break) stops the producer: its finally runs', async () => {
    const finished = signal();
    let produced = 0;
    const api = {
      forever: async function* () {
        try {
          for (;;) yield ++produced;
        } finally {
          finished.resolve();
        }
      },
    };
    const { remote, client, server } = await memorySessions(api);
    for await (const i of await (
      remote as { forever(): Promise<AsyncIterable<number>> }
    ).forever()) {
      if (i === 3) break;
    }
    await finished.promise;
    expect(produced).toBeGreaterThanOrEqual(3);
    expectIdle(client, server);
    await client.close();
  });

  it('a throw in the loop and release() stop the producer too', async () => {
    const ends = [signal(), signal()];
    let call = 0;
    const api = {
      forever: async function* () {
        const mine = ends[call++]!;
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          mine.resolve();
        }
      },
    };
    const { remote, client, server } = await memorySessions(api);
    const r = remote as { forever(): Promise<AsyncIterableIterator<number>> };
    await expect(
      (async () => {
        for await (const i of await r.forever()) if (i === 2) throw new Error('enough');
      })(),
    ).rejects.toThrow('enough');
    const second = await r.forever();
    await second.next();
    release(second);
    await Promise.all(ends.map((e) => e.promise));
    expectIdle(client, server);
    await client.close();
  });

  it('a ReadableStream result arrives as an async iterable; toReadableStream makes one again', async () => {
    const api = {
      words: () =>
        new ReadableStream<string>({
          start(controller) {
            for (const w of ['a', 'b', 'c']) controller.enqueue(w);
            controller.close();
          },
        }),
      count: numbers,
    };
    const { remote, client, server } = await memorySessions(api);
    const r = remote as {
      words(): Promise<AsyncIterableIterator<string>>;
      count(n: number): Promise<AsyncIterableIterator<number>>;
    };
    expect(await collect(await r.words())).toEqual(['a', 'b', 'c']);
    const readable = toReadableStream(await r.count(3));
    const reader = readable.getReader();
    const read: number[] = [];
    for (let step = await reader.read(); !step.done; step = await reader.read()) {
      read.push(step.value);
    }
    expect(read).toEqual([1, 2, 3]);
    expectIdle(client, server);
    await client.close();
  });

  it('an error inside the producer reaches the consumer as a RemoteError, after the items before it', async () => {
    const api = {
      failing: async function* () {
        yield 1;
        yield 2;
        throw new RangeError('out of numbers');
      },
    };
    const { remote, client, server } = await memorySessions(api);
    const seen: number[] = [];
    const error = await (async () => {
      for await (const i of await (
        remote as { failing(): Promise<AsyncIterable<number>> }
      ).failing())
        seen.push(i);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1, 2]);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ name: 'RangeError', message: 'out of numbers' });
    expectIdle(client, server);
    await client.close();
  });

  it('a producer error whose data cannot be sent (a function) still ends the stream, without it', async () => {
    const api = {
      failing: async function* () {
        yield 1;
        throw Object.assign(new Error('with a callback'), { data: { retry: () => {} } });
      },
    };
    const { remote, client, server } = await memorySessions(api);
    const error = await (async () => {
      for await (const _ of await (
        remote as { failing(): Promise<AsyncIterable<number>> }
      ).failing());
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ message: 'with a callback', data: undefined });
    expectIdle(client, server);
    await client.close();
  });

  it('an item that cannot be sent ends the stream with a RemoteError and stops the producer', async () => {
    const finished = signal();
    const api = {
      bad: async function* () {
        try {
          yield 1;
          yield Symbol('not carried');
          yield 3;
        } finally {
          finished.resolve();
        }
      },
    };
    const { remote, client, server, logs } = await memorySessions(api);
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const i of await (remote as { bad(): Promise<AsyncIterable<unknown>> }).bad())
        seen.push(i);
    })().catch((e: unknown) => e);
    await finished.promise;
    expect(seen).toEqual([1]);
    expect(error).toMatchObject({ name: 'CodecError', message: /cannot send a symbol/ });
    expect(logs.join('\n')).toMatch(/stream 1 to .* ends: an item could not be sent/);
    expectIdle(client, server);
    await client.close();
  });
});

describe('a stream argument', () => {
  it('an async iterable or a ReadableStream passed as an argument arrives as an async iterable', async () => {
    const api = {
      sum: async (items: AsyncIterable<number>) => {
        let total = 0;
        for await (const n of items) total += n;
        return total;
      },
    };
    const { remote, client, server } = await memorySessions(api);
    const r = remote as { sum(items: unknown): Promise<number> };
    expect(await r.sum(numbers(100))).toBe(5050);
    const readable = new ReadableStream<number>({
      start(controller) {
        controller.enqueue(40);
        controller.enqueue(2);
        controller.close();
      },
    });
    expect(await r.sum(readable)).toBe(42);
    // A hand-made async iterable (a plain object) is a stream too, not an empty map.
    expect(await r.sum({ [Symbol.asyncIterator]: () => numbers(3) })).toBe(6);
    expectIdle(client, server);
    await client.close();
  });

  it('both directions at once in one call: the result reads the argument as it goes', async () => {
    const api = {
      double: async function* (items: AsyncIterable<number>) {
        for await (const n of items) yield 2 * n;
      },
    };
    const { remote, client, server } = await memorySessions(api);
    let pulled = 0;
    async function* input() {
      for (let i = 1; i <= 2000; i++) {
        pulled++;
        yield i;
      }
    }
    const doubled = await (
      remote as { double(items: unknown): Promise<AsyncIterable<number>> }
    ).double(input());
    let count = 0;
    let total = 0;
    for await (const n of doubled) {
      count++;
      total += n;
    }
    expect(pulled).toBe(2000);
    expect(count).toBe(2000);
    expect(total).toBe(2000 * 2001);
    expectIdle(client, server);
    await client.close();
  });

  it('an error in a stream argument reaches the handler as a RemoteError', async () => {
    const api = {
      drain: async (items: AsyncIterable<number>) => {
        try {
          for await (const _ of items);
          return 'no error';
        } catch (error) {
          return `${(error as Error).name}: ${(error as Error).message}`;
        }
      },
    };
    const { remote, client, server } = await memorySessions(api);
    async function* failing() {
      yield 1;
      throw new TypeError('bad input');
    }
    expect(await (remote as { drain(i: unknown): Promise<string> }).drain(failing())).toBe(
      'TypeError: bad input',
    );
    expectIdle(client, server);
    await client.close();
  });
});

describe('an answer that crossed a cancel', () => {
  it('the streams and functions in it are let go on the side that sent it', async () => {
    let started = 0;
    const api = {
      handle: () => ({
        items: (async function* () {
          started++;
          yield 1;
        })(),
        close: () => 'closed',
      }),
    };
    const { remote, client, server, serverTransport } = await memorySessions(api);
    // The answer is slow to arrive: the caller gives up first, and its CANCEL reaches the
    // server after the server has answered.
    serverTransport.faults = { delay: 100 };
    const r = withOptions(remote as { handle(): Promise<unknown> }, { timeout: 20 });
    await expect(r.handle()).rejects.toBeInstanceOf(TimeoutError);
    await expect.poll(() => server.stats().streams.outgoing, { timeout: 5000 }).toBe(0);
    expect(server.stats().references.exported).toBe(0);
    // The late answer arrives and is dropped unread: nothing is imported.
    await expect.poll(() => serverTransport.bufferedBytes, { timeout: 5000 }).toBe(0);
    expect(started).toBe(0);
    expectIdle(client, server);
    await client.close();
  });
});

describe('backpressure', () => {
  it('1,000,000 items to a consumer that sleeps: the producer is never more than one window ahead', async () => {
    let produced = 0;
    let consumed = 0;
    let mostAhead = 0;
    const api = {
      many: async function* (n: number) {
        for (let i = 0; i < n; i++) {
          produced++;
          mostAhead = Math.max(mostAhead, produced - consumed);
          yield i;
        }
      },
    };
    const { remote, client, server } = await memorySessions(api);
    const window = DEFAULT_LIMITS.streamWindow;
    const stream = await (remote as { many(n: number): Promise<AsyncIterable<number>> }).many(
      1_000_000,
    );
    let sum = 0;
    for await (const i of stream) {
      consumed++;
      sum += i;
      // The consumer sleeps a macrotask now and then: the producer must wait for it.
      if (consumed % 10_000 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(consumed).toBe(1_000_000);
    expect(sum).toBe((999_999 * 1_000_000) / 2);
    // The item being read is in the consumer's hands: at most a window besides it.
    expect(mostAhead).toBeLessThanOrEqual(window + 1);
    expect(mostAhead).toBeGreaterThan(window / 2);
    expectIdle(client, server);
    await client.close();
  }, 120_000);

  it('a consumer that stops reading holds the producer at one window, and never more', async () => {
    let produced = 0;
    const api = {
      many: async function* () {
        for (;;) {
          produced++;
          yield new Uint8Array(100);
        }
      },
      ping: () => 'pong',
    };
    const { remote, client, server } = await memorySessions(api, {
      limits: { streamWindow: 16 },
    });
    const r = remote as {
      many(): Promise<AsyncIterableIterator<Uint8Array>>;
      ping(): Promise<string>;
    };
    const stream = await r.many();
    await stream.next();
    // Round trips let the producer run as far as it may.
    for (let i = 0; i < 20; i++) expect(await r.ping()).toBe('pong');
    expect(produced).toBeLessThanOrEqual(16 + 1);
    expect(produced).toBeGreaterThanOrEqual(16);
    release(stream);
    await r.ping(); // the STOP went before this call: the producer has stopped
    expectIdle(client, server);
    await client.close();
  });

  it('the byte window holds large items back as the item window holds small ones', async () => {
    let produced = 0;
    const api = {
      big: async function* () {
        for (;;) {
          produced++;
          yield new Uint8Array(10_000);
        }
      },
      ping: () => 'pong',
    };
    const { remote, client, server } = await memorySessions(api, {
      limits: { streamWindowBytes: 50_000 },
    });
    const r = remote as {
      big(): Promise<AsyncIterableIterator<Uint8Array>>;
      ping(): Promise<string>;
    };
    const stream = await r.big();
    await stream.next();
    for (let i = 0; i < 20; i++) await r.ping();
    // 50,000 bytes of credit: five items of 10,000 bytes and a few of framing, and one more.
    expect(produced).toBeLessThanOrEqual(6);
    release(stream);
    await r.ping(); // the STOP went before this call: the producer has stopped
    expectIdle(client, server);
    await client.close();
  });

  it('many streams on one connection do not block each other or unary calls', async () => {
    const api = {
      count: numbers,
      add: (x: number, y: number) => x + y,
    };
    const { remote, client, server } = await memorySessions(api, {
      limits: { streamWindow: 8 },
    });
    const r = remote as {
      count(n: number): Promise<AsyncIterableIterator<number>>;
      add(x: number, y: number): Promise<number>;
    };
    // Ten streams nobody reads past their first item, each holding a full window.
    const stalled = await Promise.all(Array.from({ length: 10 }, () => r.count(1_000_000)));
    for (const s of stalled) expect(await s.next()).toEqual({ done: false, value: 1 });
    // Another stream flows to its end, and calls are answered, meanwhile.
    expect((await collect(await r.count(500))).length).toBe(500);
    expect(await r.add(2, 3)).toBe(5);
    // Reading many streams interleaved works too.
    const streams = await Promise.all(Array.from({ length: 20 }, () => r.count(100)));
    const totals = await Promise.all(streams.map(async (s) => (await collect(s)).length));
    expect(totals).toEqual(Array(20).fill(100));
    for (const s of stalled) release(s);
    await r.add(0, 0); // the STOPs went before this call: the producers have stopped
    expectIdle(client, server);
    await client.close();
  });
});

describe('the connection closes mid-stream', () => {
  it('every stream ends with ConnectionClosedError after the items already here; producers stop', async () => {
    const serverProducer = signal();
    const clientProducer = signal();
    let handlerError: unknown;
    const handlerDone = signal();
    const api = {
      forever: async function* () {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          serverProducer.resolve();
        }
      },
      readAll: async (items: AsyncIterable<number>) => {
        try {
          for await (const _ of items);
        } catch (error) {
          handlerError = error;
        } finally {
          handlerDone.resolve();
        }
      },
    };
    const { remote, client, server, clientTransport } = await memorySessions(api);
    const r = remote as {
      forever(): Promise<AsyncIterableIterator<number>>;
      readAll(items: unknown): Promise<void>;
    };
    const stream = await r.forever();
    expect(await stream.next()).toEqual({ done: false, value: 0 });
    // A stream the client produces, slowly, for ever, read by a handler as it comes.
    let sent = 0;
    async function* input() {
      try {
        for (;;) {
          sent++;
          yield sent;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      } finally {
        clientProducer.resolve();
      }
    }
    const pending = r.readAll(input()).catch((e: unknown) => e);
    await expect.poll(() => sent, { timeout: 5000 }).toBeGreaterThan(5);
    clientTransport.cut();
    const error = await (async () => {
      for await (const _ of stream);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(await pending).toBeInstanceOf(ConnectionClosedError);
    await Promise.all([serverProducer.promise, clientProducer.promise, handlerDone.promise]);
    expect(handlerError).toBeInstanceOf(ConnectionClosedError);
    expectIdle(client, server);
    expect(stats(remote).open).toBe(false);
  });
});
