/**
 * A client that sends and never reads. The server must stop reading it (`maxPendingWriteBytes`)
 * instead of queueing answers without bound, keep serving everyone else, and deliver every
 * answer once the client reads again; and a client that floods calls gets at most
 * `maxInFlight` of them run, the rest refused at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encode,
  frame,
  type RawClient,
  sleep,
  startTarget,
  type Target,
  until,
} from '../helpers/raw-client.js';

const KB = 'k'.repeat(1024);
const MB = 'm'.repeat(1024 * 1024);
const CALLS = 10_000;

/** Calls `from..to` to `method` with no arguments, in one buffer. */
function calls(method: string, from: number, to: number): Buffer {
  const frames: Buffer[] = [];
  for (let id = from; id <= to; id++) frames.push(frame(encode([1, id, method, []])));
  return Buffer.concat(frames);
}

/** Waits until `read()` has not changed for `quietMs`; returns the value it settled on. */
async function plateau(read: () => number, quietMs = 250, timeoutMs = 3000): Promise<number> {
  const start = Date.now();
  let value = read();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() - start > timeoutMs) throw new Error('the count never settled');
    await sleep(25);
    const now = read();
    if (now !== value) {
      value = now;
      since = Date.now();
    }
  }
  return value;
}

/** Reads `count` answers; returns them by id. */
async function answers(
  raw: RawClient,
  count: number,
  timeoutMs = 8000,
): Promise<Map<number, unknown>> {
  const byId = new Map<number, unknown>();
  const deadline = Date.now() + timeoutMs;
  while (byId.size < count) {
    const message = (await raw.next(Math.max(1, deadline - Date.now()))) as [
      number,
      number,
      unknown,
    ];
    expect(message[0]).toBe(3);
    expect(byId.has(message[1])).toBe(false);
    byId.set(message[1], message[2]);
  }
  return byId;
}

describe('10,000 calls on one connection with no reads', () => {
  let target: Target;
  let invoked = 0;
  beforeAll(async () => {
    target = await startTarget(
      {
        kb: () => {
          invoked++;
          return KB;
        },
      },
      { limits: { maxInFlight: 64, maxPendingWriteBytes: 256 * 1024 } },
    );
  });
  afterAll(() => target.close());

  it('the server stops reading, serves others, stays bounded, then delivers every answer', async () => {
    const raw = await target.raw();
    raw.socket.pause(); // never read
    const rss = process.memoryUsage().rss;
    await raw.write(calls('kb', 1, CALLS));

    // The server stops reading this socket once its answers back up: the count settles short of
    // all 10,000. (The answers the kernel buffers hold, a few MB on Linux, are far below 10 MB.)
    const settled = await plateau(() => invoked);
    expect(settled).toBeGreaterThan(0);
    expect(settled).toBeLessThan(CALLS);
    await target.victimWorks();
    await sleep(100);
    expect(invoked).toBeLessThan(CALLS);
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
    expect(target.log.lines).toEqual([]);

    // Reading again: every answer arrives, once, whole.
    raw.socket.resume();
    const byId = await answers(raw, CALLS);
    expect(invoked).toBe(CALLS);
    for (let id = 1; id <= CALLS; id++) expect(byId.get(id)).toBe(KB);
    await target.victimWorks();
    raw.destroy();
  });
});

describe('limits.maxInFlight against a client that floods', () => {
  let target: Target;
  let running = 0;
  let release: () => void = () => {};
  let gate = Promise.resolve();
  beforeAll(async () => {
    target = await startTarget(
      {
        held: async () => {
          running++;
          await gate;
          return 'done';
        },
      },
      { limits: { maxInFlight: 8 } },
    );
  });
  afterAll(() => target.close());

  function closeGate(): void {
    running = 0;
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
  }

  /** Reads `count` frames; returns the results by id and the ids refused UNAVAILABLE. */
  async function outcomes(raw: RawClient, count: number) {
    const results = new Map<number, unknown>();
    const refused: number[] = [];
    for (let i = 0; i < count; i++) {
      const message = (await raw.next(5000)) as [number, number, { code?: string }];
      if (message[0] === 4 && message[2].code === 'UNAVAILABLE') refused.push(message[1]);
      else results.set(message[1], message[2]);
    }
    return { results, refused };
  }

  // Reading never stops for admission: past the limit a call is refused at once, so the answer a
  // running handler waits for from its caller still gets in.
  it('calls that arrive one read at a time: past 8 running, calls are refused UNAVAILABLE at once', async () => {
    closeGate();
    const raw = await target.raw();
    for (let id = 1; id <= 8; id++) {
      await raw.write(calls('held', id, id));
      await until(() => running === id, 1000, `call ${id} running`);
    }
    await raw.write(calls('held', 9, 20));
    const early = await outcomes(raw, 12);
    expect(early.refused.sort((a, b) => a - b)).toEqual([
      9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
    ]);
    expect(running).toBe(8);
    await target.victimWorks();
    release();
    const late = await outcomes(raw, 8);
    expect([...late.results.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...late.results.values()].every((v) => v === 'done')).toBe(true);
    raw.destroy();
  });

  it('calls that arrive in one read: still no more than 8 running, the rest refused', async () => {
    closeGate();
    const raw = await target.raw();
    await raw.write(calls('held', 1, 20));
    const early = await outcomes(raw, 12);
    expect(early.refused.length).toBe(12);
    try {
      expect(running).toBe(8);
    } finally {
      release();
    }
    const late = await outcomes(raw, 8);
    expect(late.results.size).toBe(8);
    raw.destroy();
  });
});

describe('limits.maxPendingWriteBytes against a client that floods', () => {
  let target: Target;
  let invoked = 0;
  beforeAll(async () => {
    target = await startTarget(
      {
        mb: () => {
          invoked++;
          return MB;
        },
      },
      { limits: { maxPendingWriteBytes: 256 * 1024 } },
    );
  });
  afterAll(() => target.close());

  // The same for answers: with the decoder paused, 50 calls in one read must not queue 50 MB of
  // answers where the limit is 256 KB; it stops after the kernel's buffers (a few MB) plus
  // 256 KB: well under 20 answers of 1 MB.
  it('calls that arrive in one read: queued answers stay near the limit', async () => {
    const raw = await target.raw();
    raw.socket.pause();
    await raw.write(calls('mb', 1, 50));
    const settled = await plateau(() => invoked);
    raw.destroy();
    expect(settled).toBeLessThan(20);
  });
});
