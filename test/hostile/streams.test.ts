/**
 * A peer that breaks the stream and reference messages: items past its credit or over the
 * window, references of the wrong shape or used twice, messages about ids that do not exist,
 * floods past the limits. Each gets a clear error for that stream alone, or the connection
 * closes with a log line saying why; everyone else is served on, and no table grows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMsgpack } from '../../src/codec/msgpack.js';
import { about, frame, type RawClient, startTarget, type Target } from '../helpers/raw-client.js';

const MiB = 1024 * 1024;

/** A function standing for a reference `[kind, id]` (or any value) in an encoded message. */
function tag(value: unknown): () => void {
  return Object.assign(() => {}, { tagged: value });
}
const stream = (id: number) => tag([1, id]);

/** Encodes a message whose `tag(…)` functions are written as reference tags. */
function withTags(message: unknown): Uint8Array {
  return encodeMsgpack(message, {
    maxDepth: 100,
    maxItems: 10_000_000,
    hooks: { replace: (value) => (value as { tagged?: unknown }).tagged },
  });
}

const send = (raw: RawClient, message: unknown) => raw.write(frame(withTags(message)));

/** The next message of `type` from the server, skipping others. */
async function nextOf(raw: RawClient, type: number, timeoutMs = 3000): Promise<unknown[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const message = (await raw.next(Math.max(1, deadline - Date.now()))) as unknown[];
    if (Array.isArray(message) && message[0] === type) return message;
  }
}

let target: Target;
const held: AsyncIterableIterator<unknown>[] = [];

beforeAll(async () => {
  target = await startTarget({
    hold: (...streams: AsyncIterableIterator<unknown>[]) => {
      held.push(...streams);
      return streams.length;
    },
    readAll: async (items: AsyncIterable<unknown>) => {
      try {
        let n = 0;
        for await (const _ of items) n++;
        return n;
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    },
  });
});
afterAll(() => target.close());

describe('stream items from a hostile producer', () => {
  it('an item nobody gave credit for closes the connection, logged; others are served', async () => {
    const raw = await target.raw();
    await send(raw, [1, 1, 'hold', [stream(7)]]);
    expect(await nextOf(raw, 3)).toEqual([3, 1, 1]);
    await send(raw, [11, 7, 'unasked']);
    expect(await raw.closesWithin(2000)).toBe(true);
    await target.log.waitFor(about(raw, /sent stream 7 an item past its credit/));
    await target.victimWorks();
  });

  it('an item over the byte window fails that stream alone, which the producer is told to stop', async () => {
    const raw = await target.raw();
    await send(raw, [1, 1, 'readAll', [stream(3)]]);
    const credit = await nextOf(raw, 14);
    expect(credit).toEqual([14, 3, 256, MiB]);
    await send(raw, [11, 3, 'fine']);
    await send(raw, [11, 3, new Uint8Array(MiB)]);
    expect(await nextOf(raw, 15)).toEqual([15, 3]);
    const [, , answer] = await nextOf(raw, 3);
    expect(answer).toMatch(
      /^LimitError: farcall: an item of \d+ bytes from .* is over the stream window/,
    );
    expect(raw.isClosed).toBe(false);
    await raw.ready();
  });

  it('items past the credit it gave close the connection', async () => {
    const raw = await target.raw();
    await send(raw, [1, 1, 'readAll', [stream(4)]]);
    await nextOf(raw, 14);
    // 256 items of credit; the handler reads them as they come and gives credit back in
    // halves, but the burst of 600 written at once goes past what was granted.
    const burst = Buffer.concat(Array.from({ length: 600 }, () => frame(withTags([11, 4, 1]))));
    await raw.write(burst);
    expect(await raw.closesWithin(2000)).toBe(true);
    await target.log.waitFor(about(raw, /sent stream 4 an item past its credit/));
  });
});

describe('messages about ids that do not exist', () => {
  it('credit, stop, end, fail, retain and release for unknown ids are ignored, and nothing is kept', async () => {
    const raw = await target.raw();
    for (let id = 1; id <= 200; id++) {
      await send(raw, [14, id, 5, 5]);
      await send(raw, [15, id]);
      await send(raw, [12, id]);
      await send(raw, [13, id, { name: 'Error', message: 'x', code: 'INTERNAL' }]);
      await send(raw, [17, id]);
      await send(raw, [18, id]);
    }
    await raw.ready();
    expect(raw.isClosed).toBe(false);
    const counts = target.server.stats().find((s) => s.peer === raw.peer);
    expect(counts).toMatchObject({
      streams: { outgoing: 0, incoming: 0 },
      references: { exported: 0, imported: 0 },
    });
    await target.victimWorks();
  });

  it('a call of a reference nobody passed is answered METHOD_NOT_FOUND; the connection goes on', async () => {
    const raw = await target.raw();
    await send(raw, [16, 9, 42, ['x']]);
    const [, id, error] = await nextOf(raw, 4);
    expect(id).toBe(9);
    expect(error).toMatchObject({ name: 'CallbackReleasedError', code: 'METHOD_NOT_FOUND' });
    await send(raw, [16, 10, 'not an id', []]);
    expect(await nextOf(raw, 4)).toMatchObject([4, 10, { code: 'INVALID_REQUEST' }]);
    await raw.ready();
  });
});

describe('references of the wrong shape', () => {
  it.each([
    ['a string', 'x'],
    ['an unknown kind', [3, 1]],
    ['a kind without an id', [1]],
    ['an id that is not an integer', [2, 1.5]],
  ])('a reference tag followed by %s closes the connection, logged', async (_name, value) => {
    const raw = await target.raw();
    await send(raw, [1, 1, 'hold', [tag(value)]]);
    expect(await raw.closesWithin(2000)).toBe(true);
    await target.log.waitFor(about(raw, /value hook threw|reference tag/));
    await target.victimWorks();
  });

  it('the same stream id twice in one call closes the connection', async () => {
    const raw = await target.raw();
    await send(raw, [1, 1, 'hold', [stream(5), stream(5)]]);
    expect(await raw.closesWithin(2000)).toBe(true);
    await target.victimWorks();
  });

  it('a credit that is not an unsigned 32-bit integer closes the connection', async () => {
    const raw = await target.raw();
    await send(raw, [14, 1, -1, 10]);
    expect(await raw.closesWithin(2000)).toBe(true);
    await target.log.waitFor(about(raw, /stream credit items is not an unsigned 32-bit integer/));
  });
});

describe('floods past the limits', () => {
  it('streams past maxStreams each fail alone, each producer told to stop; the connection goes on', async () => {
    const small = await startTarget(
      { hold: (...streams: unknown[]) => streams.length },
      { limits: { maxStreams: 4 } },
    );
    try {
      const raw = await small.raw();
      await send(raw, [1, 1, 'hold', Array.from({ length: 10 }, (_, i) => stream(i + 1))]);
      const stops: number[] = [];
      for (let i = 0; i < 6; i++) stops.push((await nextOf(raw, 15))[1] as number);
      expect(stops).toEqual([5, 6, 7, 8, 9, 10]);
      expect(await nextOf(raw, 3)).toEqual([3, 1, 10]);
      await raw.ready();
      const counts = small.server.stats().find((s) => s.peer === raw.peer);
      expect(counts?.streams.incoming).toBe(4);
      await small.victimWorks();
    } finally {
      await small.close();
    }
  });

  it('functions past maxReferences are refused alone and released back to the peer', async () => {
    const small = await startTarget(
      { hold: (...fns: unknown[]) => fns.length },
      { limits: { maxReferences: 3 } },
    );
    try {
      const raw = await small.raw();
      // Callbacks of one call: the first three live while it runs, the rest are refused.
      await send(raw, [1, 1, 'hold', Array.from({ length: 5 }, (_, i) => tag([2, i + 1]))]);
      const released: number[] = [];
      for (let i = 0; i < 2; i++) released.push((await nextOf(raw, 18))[1] as number);
      expect(released).toEqual([4, 5]);
      expect(await nextOf(raw, 3)).toEqual([3, 1, 5]);
      await raw.ready();
      // The call ended: its callbacks went with it.
      const counts = small.server.stats().find((s) => s.peer === raw.peer);
      expect(counts?.references.imported).toBe(0);
    } finally {
      await small.close();
    }
  });
});
