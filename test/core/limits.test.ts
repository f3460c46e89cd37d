/**
 * Each field of `DEFAULT_LIMITS`: its default is the value src/limits.ts documents, the server
 * (and where it applies, the client) enforces that value, and an override takes effect.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  close,
  connect,
  DEFAULT_LIMITS,
  invoke,
  LimitError,
  type Limits,
  RemoteError,
  retain,
  serve,
  stats,
} from '../../src/index.js';
import { resolveLimits } from '../../src/limits.js';
import {
  about,
  callOfSize,
  deepCallBytes,
  encode,
  frame,
  header,
  type RawClient,
  rawConnect,
  sleep,
  startTarget,
  type Target,
  until,
} from '../helpers/raw-client.js';

const MiB = 1024 * 1024;
/** Captured before any test fakes timers: a wait that really waits. */
const realSetTimeout = globalThis.setTimeout;
const realSleep = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

const targets: Target[] = [];
async function target(
  api: object = {},
  limits?: Partial<Limits>,
  authkey?: string,
): Promise<Target> {
  const t = await startTarget(api, {
    ...(limits ? { limits } : {}),
    ...(authkey ? { authkey } : {}),
  });
  targets.push(t);
  return t;
}
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(targets.splice(0).map((t) => t.close()));
});

/** `depth` arrays, each holding the next. */
function nest(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

it('DEFAULT_LIMITS holds the documented values and cannot be changed', () => {
  expect(DEFAULT_LIMITS).toEqual({
    maxFrameBytes: 16 * MiB,
    maxHandshakeBytes: 1024,
    maxInFlight: 1024,
    maxDepth: 64,
    maxItems: 1_000_000,
    handshakeTimeoutMs: 10_000,
    maxHandshakes: 128,
    maxConnections: 10_000,
    idleTimeoutMs: 300_000,
    requestTimeoutMs: 30_000,
    maxPendingWriteBytes: 16 * MiB,
    maxStreams: 1024,
    streamWindow: 256,
    streamWindowBytes: MiB,
    maxReferences: 10_000,
  });
  expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
  expect(resolveLimits()).toEqual(DEFAULT_LIMITS);
  expect(resolveLimits({ maxDepth: 8 })).toEqual({ ...DEFAULT_LIMITS, maxDepth: 8 });
});

describe('maxFrameBytes', () => {
  it('default 16 MiB after the opening: a header of 16 MiB waits for its body, one byte more is refused', async () => {
    const t = await target();
    const exact = await t.raw();
    await exact.write(header(16 * MiB));
    const over = await t.raw();
    await over.write(header(16 * MiB + 1));
    expect(await over.closesWithin(1000)).toBe(true);
    expect(exact.isClosed).toBe(false);
    await t.log.waitFor(
      about(
        over,
        /frame of 16777217 bytes is over the limit of 16777216 bytes \(limits\.maxFrameBytes\)/,
      ),
    );
  });

  it('override 1024: a frame of 1024 bytes is served, a header of 1025 refused', async () => {
    const t = await target({}, { maxFrameBytes: 1024 });
    const raw = await t.raw();
    await raw.write(frame(callOfSize(1, 'add', [2, 3], 1024)));
    expect(await raw.next()).toEqual([3, 1, 5]);
    await raw.write(header(1025));
    expect(await raw.closesWithin(1000)).toBe(true);
    await t.log.waitFor(about(raw, /frame of 1025 bytes is over the limit of 1024 bytes/));
  });

  // Each end says its limit in HELLO: what the other end would refuse fails here, alone.
  it("a call over the server's limit fails alone with LimitError; the connection goes on", async () => {
    const t = await target({ size: (text: string) => text.length }, { maxFrameBytes: 4096 });
    const error = await invoke(t.victim, 'size', ['x'.repeat(5000)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitError);
    expect((error as Error).message).toMatch(/over the 4096-byte frame limit/);
    expect(await invoke(t.victim, 'size', ['x'.repeat(100)])).toBe(100);
  });

  it("an answer over the client's limit is an error answer; the connection goes on", async () => {
    const t = await target({ text: (n: number) => 'x'.repeat(n) });
    const small = await connect(t.url, { logger: false, limits: { maxFrameBytes: 1024 } });
    expect(await invoke(small, 'text', [900])).toHaveLength(900);
    const error = await invoke(small, 'text', [2000]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).message).toMatch(/over the caller's frame limit of 1024/);
    expect(await invoke(small, 'text', [10])).toHaveLength(10);
    await close(small);
  });
});

describe('maxHandshakeBytes', () => {
  it('default 1 KiB before the opening: a header of 1025 is refused at once, logged', async () => {
    const t = await target();
    const early = await t.raw({ handshake: false });
    await early.next(); // the server's HELLO
    await early.write(header(1025));
    expect(await early.closesWithin(1000)).toBe(true);
    await t.log.waitFor(
      about(
        early,
        /frame of 1025 bytes is over the limit of 1024 bytes \(limits\.maxHandshakeBytes\)/,
      ),
    );
    await t.victimWorks();
  });

  it('override 64: a HELLO larger than that is refused; the full limit applies once open', async () => {
    const t = await target({ echo: (v: unknown) => v }, { maxHandshakeBytes: 64 });
    const early = await t.raw({ handshake: false });
    await early.next();
    await early.send([0, 'farcall', 1, { padding: 'x'.repeat(100) }]);
    expect(await early.closesWithin(1000)).toBe(true);
    await t.log.waitFor(about(early, /over the limit of 64 bytes \(limits\.maxHandshakeBytes\)/));
    const raw = await t.raw();
    await raw.send([1, 1, 'echo', ['y'.repeat(500)]]);
    expect(await raw.next()).toEqual([3, 1, 'y'.repeat(500)]);
    raw.destroy();
  });
});

describe('maxInFlight', () => {
  /** Serves `held` (runs until released) with the given limit; returns its controls. */
  async function heldTarget(limit: number | undefined) {
    let running = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const t = await target(
      {
        held: async () => {
          running++;
          await gate;
          return 'done';
        },
      },
      limit === undefined ? undefined : { maxInFlight: limit },
    );
    return { t, running: () => running, release };
  }

  /** A raw peer sends `limit + 10` calls: `limit` run, 10 are refused UNAVAILABLE at once. */
  async function boundary(limit: number | undefined, expected: number) {
    const { t, running, release } = await heldTarget(limit);
    const raw = await t.raw();
    const frames: Buffer[] = [];
    for (let id = 1; id <= expected + 10; id++) frames.push(frame(encode([1, id, 'held', []])));
    await raw.write(Buffer.concat(frames));
    const refused: number[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = (await raw.next(5000)) as [number, number, { code: string }];
      expect(answer[0]).toBe(4);
      expect(answer[2].code).toBe('UNAVAILABLE');
      refused.push(answer[1]);
    }
    expect(refused.every((id) => id > expected)).toBe(true);
    expect(running()).toBe(expected);
    await t.victimWorks(); // other connections are not affected
    release();
    for (let i = 0; i < expected; i++) expect(((await raw.next(5000)) as unknown[])[0]).toBe(3);
    raw.destroy();
  }

  it('default 1024: 1024 calls run, the rest are refused UNAVAILABLE at once', async () => {
    await boundary(undefined, 1024);
  });

  it('override 8: 8 calls run, the rest are refused UNAVAILABLE at once', async () => {
    await boundary(8, 8);
  });

  // The server says its window in HELLO: a farcall client holds calls past it back itself.
  it('override 8: a farcall client with 30 calls at once sends 8, the rest as answers come', async () => {
    const { t, running, release } = await heldTarget(8);
    const client = await connect(t.url, { logger: false });
    const calls = Array.from({ length: 30 }, () => invoke(client, 'held'));
    await until(() => running() === 8, 2000, '8 running');
    await sleep(50);
    expect(running()).toBe(8);
    release();
    expect(await Promise.all(calls)).toEqual(Array(30).fill('done'));
    await close(client);
  });
});

describe('maxHandshakes', () => {
  it('override 4: 12 peers that never finish the opening; at most 4 are held, an honest client is served', async () => {
    const t = await target({}, { maxHandshakes: 4 }, 'sesame');
    const silent: RawClient[] = [];
    for (let i = 0; i < 12; i++) silent.push(await t.raw({ handshake: false }));
    await until(() => silent.filter((r) => !r.isClosed).length <= 4, 3000, 'evictions');
    expect(silent.slice(0, 8).every((r) => r.isClosed)).toBe(true);
    const honest = await connect(t.url, { authkey: 'sesame', logger: false });
    expect(await invoke(honest, 'add', [2, 3])).toBe(5);
    await close(honest);
  });
});

describe('maxConnections', () => {
  it('override 3: past 3 connections (the victim is one), a new one is closed at once, logged', async () => {
    const t = await target({}, { maxConnections: 3 });
    const a = await t.raw();
    const b = await t.raw();
    const refused = await rawConnect(t.url);
    expect(await refused.closesWithin(1000)).toBe(true);
    await t.log.waitFor(/limits\.maxConnections/);
    a.destroy();
    await until(() => t.server.connections === 2, 2000, 'a closed');
    const again = await t.raw();
    expect(again.isClosed).toBe(false);
    b.destroy();
    again.destroy();
  });
});

describe('idleTimeoutMs', () => {
  it('override 400 ms: a silent peer is closed, logged; a farcall client that idles is kept (it pings)', async () => {
    const t = await target({}, { idleTimeoutMs: 400 });
    const raw = await t.raw();
    expect(await raw.closesWithin(3000)).toBe(true);
    await t.log.waitFor(about(raw, /sent nothing for 400 ms \(limits\.idleTimeoutMs\)/));
    await realSleep(1200);
    await t.victimWorks();
  });

  it('override 400 ms: a peer that trickles a frame one byte at a time is closed', async () => {
    const t = await target({}, { idleTimeoutMs: 400 });
    const raw = await t.raw();
    const bytes = frame(encode([1, 1, 'add', [1, 2]]));
    for (let i = 0; i < bytes.length - 1 && !raw.isClosed; i++) {
      await raw.write(bytes.subarray(i, i + 1));
      await realSleep(100);
    }
    expect(raw.isClosed || (await raw.closesWithin(2000))).toBe(true);
  });
});

describe('maxDepth', () => {
  it('default 64: the server serves an argument 64 deep and refuses 65, logged', async () => {
    const t = await target({ echo: (v: unknown) => v });
    const raw = await t.raw();
    await raw.write(frame(deepCallBytes(1, 'echo', 64)));
    expect(await raw.next()).toEqual([3, 1, nest(64)]);
    await raw.write(frame(deepCallBytes(2, 'echo', 65)));
    expect(await raw.closesWithin(500)).toBe(true);
    await t.log.waitFor(about(raw, /nests deeper than 64 levels \(limits\.maxDepth\)/));
  });

  it('default 64: the client sends 64 deep and refuses 65 with a LimitError', async () => {
    const t = await target({ echo: (v: unknown) => v });
    expect(await invoke(t.victim, 'echo', [nest(64)])).toEqual(nest(64));
    await expect(invoke(t.victim, 'echo', [nest(65)])).rejects.toBeInstanceOf(LimitError);
  });

  it('override 4: server and client hold to 4 levels', async () => {
    const t = await target({ echo: (v: unknown) => v }, { maxDepth: 4 });
    const raw = await t.raw();
    await raw.write(frame(deepCallBytes(1, 'echo', 4)));
    expect(await raw.next()).toEqual([3, 1, nest(4)]);
    await raw.write(frame(deepCallBytes(2, 'echo', 5)));
    expect(await raw.closesWithin(500)).toBe(true);
    await t.log.waitFor(about(raw, /nests deeper than 4 levels \(limits\.maxDepth\)/));

    const client = await connect(t.url, { logger: false, limits: { maxDepth: 4 } });
    expect(await invoke(client, 'echo', [nest(4)])).toEqual(nest(4));
    await expect(invoke(client, 'echo', [nest(5)])).rejects.toThrow(/nests deeper than 4 levels/);
    await close(client);
  });
});

describe('maxItems', () => {
  /** A call of `count` with `n` zeros: the message array, its 3 fields, `args`, the list: 6 + n. */
  const countCall = (id: number, n: number) =>
    frame(encode([1, id, 'count', [new Array(n).fill(0)]]));
  const api = { count: (list: unknown[]) => list.length };

  it('default 1,000,000: the server serves a frame of 1,000,000 items and refuses one more, logged', async () => {
    const t = await target(api);
    const raw = await t.raw();
    await raw.write(countCall(1, 999_994));
    expect(await raw.next(5000)).toEqual([3, 1, 999_994]);
    await raw.write(countCall(2, 999_995));
    expect(await raw.closesWithin(2000)).toBe(true);
    await t.log.waitFor(about(raw, /more than 1000000 items \(limits\.maxItems\)/));
    await t.victimWorks();
  });

  it('override 100: server and client hold to 100 items, the client before sending', async () => {
    const t = await target(api, { maxItems: 100 });
    const raw = await t.raw();
    await raw.write(countCall(1, 94));
    expect(await raw.next()).toEqual([3, 1, 94]);
    await raw.write(countCall(2, 95));
    expect(await raw.closesWithin(500)).toBe(true);
    await t.log.waitFor(about(raw, /more than 100 items \(limits\.maxItems\)/));

    const client = await connect(t.url, { logger: false, limits: { maxItems: 100 } });
    expect(await invoke(client, 'count', [new Array(94).fill(0)])).toBe(94);
    await expect(invoke(client, 'count', [new Array(95).fill(0)])).rejects.toBeInstanceOf(
      LimitError,
    );
    await close(client);
  });
});

describe('handshakeTimeoutMs', () => {
  it('default 10 s: a silent connection is open at 9.999 s and closed at 10 s, logged', async () => {
    const t = await target();
    // Fake only the timers the server arms per connection; sockets and setImmediate stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const raw = await rawConnect(t.url);
    await raw.next(); // the server's HELLO: its deadline is armed by now
    vi.advanceTimersByTime(9_999);
    await realSleep(50);
    expect(raw.isClosed).toBe(false);
    vi.advanceTimersByTime(1);
    await raw.closed;
    vi.useRealTimers();
    await t.log.waitFor(
      about(raw, /handshake failed: .*(within 10000 ms|before the handshake deadline)/),
    );
  });

  it('override 200 ms: a silent connection is closed after about 200 ms, logged', async () => {
    const t = await target({}, { handshakeTimeoutMs: 200 });
    const start = Date.now();
    const raw = await t.raw({ handshake: false });
    await raw.closed;
    expect(Date.now() - start).toBeGreaterThanOrEqual(180);
    expect(Date.now() - start).toBeLessThan(1000);
    await t.log.waitFor(
      about(raw, /handshake failed: .*(within 200 ms|before the handshake deadline)/),
    );
  });

  it('override 200 ms on the client: connect to a server that never says HELLO rejects', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const start = Date.now();
    try {
      await expect(
        connect(`tcp://127.0.0.1:${port}`, { logger: false, limits: { handshakeTimeoutMs: 200 } }),
      ).rejects.toThrow(/no HELLO/);
      expect(Date.now() - start).toBeGreaterThanOrEqual(180);
      expect(Date.now() - start).toBeLessThan(1000);
    } finally {
      silent.close();
    }
  });
});

describe('maxPendingWriteBytes', () => {
  /**
   * Calls `mb` (a 1 MiB answer) one at a time, each once the one before has run, against a
   * client that never reads; returns how many ran before the server stopped reading.
   */
  async function answersQueuedBeforePause(limits?: Partial<Limits>): Promise<number> {
    let invoked = 0;
    const answer = 'm'.repeat(MiB);
    const t = await target(
      {
        mb: () => {
          invoked++;
          return answer;
        },
      },
      limits,
    );
    const raw = await t.raw();
    raw.socket.pause();
    for (let id = 1; id <= 60; id++) {
      await raw.write(frame(encode([1, id, 'mb', []])));
      try {
        await until(() => invoked === id, 500);
      } catch {
        break; // not read: the server stopped reading this socket
      }
    }
    await t.victimWorks();
    raw.destroy();
    return invoked;
  }

  it('default 16 MiB, override 4 MiB: the server stops reading 12 answers of 1 MiB sooner', async () => {
    // The kernel's socket buffers take some answers first, the same number in both runs.
    const byDefault = await answersQueuedBeforePause();
    const overridden = await answersQueuedBeforePause({ maxPendingWriteBytes: 4 * MiB });
    expect(byDefault).toBeGreaterThanOrEqual(17);
    expect(byDefault).toBeLessThan(60);
    expect(byDefault - overridden).toBeGreaterThanOrEqual(11);
    expect(byDefault - overridden).toBeLessThanOrEqual(13);
  });
});

describe('maxStreams', () => {
  /** Holds every stream it is passed, unread, and makes streams nobody reads. */
  function holder() {
    const held: AsyncIterableIterator<unknown>[] = [];
    const api = {
      hold: (stream: AsyncIterableIterator<unknown>) => {
        held.push(stream);
      },
      forever: async function* () {
        for (;;) yield 1;
      },
    };
    return { held, api };
  }
  async function* items() {
    yield 1;
  }

  it('default 1024: a server holds 1024 result streams nobody reads; the 1025th call is refused, alone', async () => {
    const { api } = holder();
    const t = await target(api);
    const remote = await connect<typeof api>(t.url, { logger: false });
    const streams = await Promise.all(Array.from({ length: 1024 }, () => remote.forever()));
    const error = await remote.forever().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(/1024 streams to .* are open \(limits\.maxStreams\)/);
    expect(await streams[0]!.next()).toEqual({ done: false, value: 1 });
    await t.victimWorks();
    await close(remote);
  });

  it('override 4 on the sender: a call with a fifth open stream fails locally with LimitError', async () => {
    const { held, api } = holder();
    const t = await target(api);
    const remote = await connect<typeof api>(t.url, { logger: false, limits: { maxStreams: 4 } });
    for (let i = 0; i < 4; i++) await remote.hold(items());
    await expect(remote.hold(items())).rejects.toBeInstanceOf(LimitError);
    await expect(remote.hold(items())).rejects.toThrow(/4 streams to .* \(limits\.maxStreams\)/);
    // One read to its end frees a place.
    for await (const _ of held[0]!);
    await remote.hold(items());
    await close(remote);
  });

  it('override 2 on the receiver: a third stream fails alone, with LimitError on its first read', async () => {
    const { held, api } = holder();
    const t = await target(api, { maxStreams: 2 });
    const remote = await connect<typeof api>(t.url, { logger: false });
    for (let i = 0; i < 3; i++) await remote.hold(items());
    await expect(held[2]!.next()).rejects.toThrow(/limits\.maxStreams/);
    // Its producer was told to stop: the client holds two streams, not three.
    await t.victimWorks();
    expect(stats(remote).streams.outgoing).toBe(2);
    expect(await held[0]!.next()).toEqual({ done: false, value: 1 });
    await close(remote);
  });
});

describe('streamWindow', () => {
  /** How many items a producer made for a consumer that read one and stopped. */
  async function producedAhead(limits?: Partial<Limits>): Promise<number> {
    let produced = 0;
    const api = {
      forever: async function* () {
        for (;;) yield ++produced;
      },
    };
    const t = await target(api);
    const remote = await connect<typeof api>(t.url, { logger: false, limits });
    const stream = await remote.forever();
    await stream.next();
    // Round trips let the producer go as far as it may.
    for (let i = 0; i < 20; i++) await t.victimWorks();
    await invoke(remote, 'add', [1, 1]);
    await close(remote);
    return produced;
  }

  it('default 256: a consumer that stops reading holds its producer at 256 items (and the one read)', async () => {
    const produced = await producedAhead();
    expect(produced).toBeGreaterThanOrEqual(256);
    expect(produced).toBeLessThanOrEqual(257);
  });

  it('override 16: at 16 items', async () => {
    const produced = await producedAhead({ streamWindow: 16 });
    expect(produced).toBeGreaterThanOrEqual(16);
    expect(produced).toBeLessThanOrEqual(17);
  });
});

describe('streamWindowBytes', () => {
  const api = {
    chunks: async function* (sizes: number[]) {
      for (const size of sizes) yield new Uint8Array(size);
    },
  };
  async function read(limits?: Partial<Limits>, sizes: number[] = []): Promise<unknown[]> {
    const t = await target(api);
    const remote = await connect<typeof api>(t.url, { logger: false, limits });
    const seen: unknown[] = [];
    try {
      for await (const chunk of await remote.chunks(sizes)) seen.push(chunk.length);
    } catch (error) {
      seen.push(error);
    }
    await t.victimWorks();
    await close(remote);
    return seen;
  }

  it('default 1 MiB: an item of a MiB less a little arrives; a 1 MiB one ends the stream with LimitError', async () => {
    const seen = await read(undefined, [MiB - 64, MiB, 10]);
    expect(seen[0]).toBe(MiB - 64);
    expect(seen[1]).toBeInstanceOf(RemoteError);
    expect(seen[1]).toMatchObject({ name: 'LimitError' });
    expect((seen[1] as Error).message).toMatch(/over the stream window of .*, 1048576 bytes/);
    expect(seen).toHaveLength(2);
  });

  it('override 10,000 on the consumer: its producer holds to 10,000 bytes an item', async () => {
    const seen = await read({ streamWindowBytes: 10_000 }, [9000, 9000, 12_000]);
    expect(seen.slice(0, 2)).toEqual([9000, 9000]);
    expect(seen[2]).toMatchObject({ name: 'LimitError', message: /10000 bytes/ });
  });
});

describe('maxReferences', () => {
  function subscribers() {
    const kept: ((...args: unknown[]) => Promise<unknown>)[] = [];
    const api = {
      subscribe: (fn: (...args: unknown[]) => Promise<unknown>) => {
        kept.push(retain(fn));
      },
    };
    return { kept, api };
  }

  it('default 10,000, override 3 on the sender: a fourth live callback fails its call locally', async () => {
    expect(DEFAULT_LIMITS.maxReferences).toBe(10_000);
    const { api } = subscribers();
    const t = await target(api);
    const remote = await connect<typeof api>(t.url, {
      logger: false,
      limits: { maxReferences: 3 },
    });
    for (let i = 0; i < 3; i++) await remote.subscribe(async () => i);
    const error = await remote.subscribe(async () => 4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitError);
    expect((error as Error).message).toMatch(/3 functions passed to .* \(limits\.maxReferences\)/);
    await t.victimWorks();
    await close(remote);
  });

  it('override 2 on the receiver: a third callback arrives refused (LimitError when called), and the sender drops it', async () => {
    const { kept, api } = subscribers();
    const t = await target(api, { maxReferences: 2 });
    const remote = await connect<typeof api>(t.url, { logger: false });
    for (let i = 0; i < 3; i++) await remote.subscribe(async () => i);
    expect(await kept[1]!()).toBe(1);
    await expect(kept[2]!()).rejects.toBeInstanceOf(LimitError);
    await expect(kept[2]!()).rejects.toThrow(/limits\.maxReferences/);
    await t.victimWorks();
    expect(stats(remote).references.exported).toBe(2);
    await close(remote);
  });
});

describe('resolveLimits', () => {
  it.each([
    ['maxFrameBytes', 0],
    ['maxInFlight', -1],
    ['maxDepth', Number.NaN],
    ['handshakeTimeoutMs', -0.5],
    ['maxPendingWriteBytes', '1024'],
  ])('refuses %s = %s with a RangeError naming the field', (key, value) => {
    expect(() => resolveLimits({ [key]: value } as unknown as Partial<Limits>)).toThrow(RangeError);
    expect(() => resolveLimits({ [key]: value } as unknown as Partial<Limits>)).toThrow(
      new RegExp(`limits\\.${key} must be a positive number`),
    );
  });

  it('serve and connect refuse a non-positive limit before touching the network', async () => {
    await expect(
      serve(
        { f: () => 1 },
        { listen: 'tcp://127.0.0.1:0', logger: false, limits: { maxInFlight: 0 } },
      ),
    ).rejects.toThrow(/limits\.maxInFlight must be a positive number, got 0/);
    // Port 9 (discard) on loopback: if it dialled at all it would fail another way.
    await expect(connect('tcp://127.0.0.1:9', { limits: { maxDepth: -1 } })).rejects.toThrow(
      RangeError,
    );
  });

  // `{ maxDepth: opts.depth }` with no option given must keep the default, not be refused.
  it('an override of undefined keeps the default', () => {
    expect(resolveLimits({ maxDepth: undefined })).toEqual(DEFAULT_LIMITS);
  });

  it('refuses a misspelt limit instead of ignoring it', () => {
    expect(() => resolveLimits({ maxFrameByte: 10 } as never)).toThrow(
      /unknown limit 'maxFrameByte'/,
    );
  });
});
