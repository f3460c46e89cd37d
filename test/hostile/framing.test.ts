/**
 * Bad bytes at the framing layer: noise, frames cut short, length headers that promise gigabytes,
 * frames over `limits.maxFrameBytes`. The offending connection is closed, the server says why in
 * its log, and a client connected before the attack is served on.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/limits.js';
import { decodeMessage, messageCodecOptions } from '../../src/protocol/farcall/messages.js';
import {
  about,
  callOfSize,
  encode,
  frame,
  header,
  longHeader,
  startTarget,
  type Target,
} from '../helpers/raw-client.js';

const MAX_FRAME = 1024;
/** What the server says when a frame is not a message of the protocol. */
const DECODE_REASONS =
  /: farcall: (cannot decode MessagePack|message is not an array|unexpected message type|message id is not|method is not a string|arguments are not an array|call options are not a map|error is not a map|value nests deeper)/;
let target: Target;

beforeAll(async () => {
  target = await startTarget({}, { limits: { handshakeTimeoutMs: 150, maxFrameBytes: MAX_FRAME } });
});
afterAll(() => target.close());

/** Whether `body` is something the server would take as a message of the protocol. */
function isMessage(body: Uint8Array): boolean {
  try {
    decodeMessage(body, messageCodecOptions(DEFAULT_LIMITS));
    return true;
  } catch {
    return false;
  }
}

describe('random bytes', () => {
  it('before the handshake: closed, logged, others served', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
        const raw = await target.raw({ handshake: false });
        await raw.write(bytes);
        // Noise is refused at once, or (an incomplete frame) at the handshake deadline.
        expect(await raw.closesWithin(1500)).toBe(true);
        await target.log.waitFor(about(raw, /handshake failed/));
      }),
      { numRuns: 8 },
    );
    await target.victimWorks();
  });

  it('after the handshake, as frame bodies: closed, logged, others served', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 200 }), async (body) => {
        fc.pre(!isMessage(body));
        const raw = await target.raw();
        await raw.write(frame(body));
        expect(await raw.closesWithin(1000)).toBe(true);
        await target.log.waitFor(about(raw, DECODE_REASONS));
      }),
      { numRuns: 15 },
    );
    await target.victimWorks();
  });

  it('after the handshake, as a raw stream with an impossible header: closed, others served', async () => {
    const badLength = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: -2 }),
      fc.integer({ min: MAX_FRAME + 1, max: 2 ** 31 - 1 }),
    );
    await fc.assert(
      fc.asyncProperty(badLength, fc.uint8Array({ maxLength: 100 }), async (length, tail) => {
        const raw = await target.raw();
        await raw.write(Buffer.concat([header(length), tail]));
        expect(await raw.closesWithin(1000)).toBe(true);
      }),
      { numRuns: 10 },
    );
    await target.victimWorks();
  });
});

describe('truncated frames', () => {
  it('before the handshake: a header of 100, 10 bytes, then close is logged', async () => {
    const raw = await target.raw({ handshake: false });
    await raw.write(Buffer.concat([header(100), Buffer.alloc(10, 0x41)]));
    raw.socket.end();
    await raw.closed;
    await target.log.waitFor(about(raw, /handshake failed: .*connection closed (before|during)/));
    await target.victimWorks();
    await expect.poll(() => target.server.connections).toBe(1);
  });

  it('after the handshake: the half frame is dropped with the connection', async () => {
    const raw = await target.raw();
    await raw.write(Buffer.concat([header(100), Buffer.alloc(10, 0x41)]));
    raw.socket.end();
    await raw.closed;
    await expect.poll(() => target.server.connections).toBe(1);
    await target.victimWorks();
  });

  // A peer that disconnects in the middle of a frame leaves a log line saying so.
  it('after the handshake: the half frame is logged', async () => {
    const raw = await target.raw();
    await raw.write(Buffer.concat([header(100), Buffer.alloc(10, 0x41)]));
    raw.socket.end();
    await raw.closed;
    await target.log.waitFor(about(raw, /frame/), 300);
  });
});

describe('length headers that promise gigabytes', () => {
  const headers = [
    [
      '2 GiB - 1 (0x7fffffff)',
      header(0x7fffffff),
      /frame of 2147483647 bytes is over the limit of 1024 bytes \(limits\.maxFrameBytes\)/,
    ],
    [
      '-1 + 8 bytes (2^63 - 1)',
      longHeader(2n ** 63n - 1n),
      /over the limit of 1024 bytes \(limits\.maxFrameBytes\)/,
    ],
    [
      '-1 + 8 bytes (4 GiB)',
      longHeader(4n * 2n ** 30n),
      /frame of 4294967296 bytes is over the limit of 1024 bytes/,
    ],
  ] as const;

  it.each(headers)(
    'before the handshake, %s: closed at once, logged, no memory taken',
    async (_, bytes, reason) => {
      const rss = process.memoryUsage().rss;
      const raw = await target.raw({ handshake: false });
      await raw.write(bytes);
      expect(await raw.closesWithin(1000)).toBe(true);
      // The reason is the header, not the 150 ms handshake deadline: it was refused on sight.
      await target.log.waitFor(about(raw, reason));
      expect(process.memoryUsage().rss - rss).toBeLessThan(50 * 1024 * 1024);
      await target.victimWorks();
    },
  );

  it.each(headers)(
    'after the handshake, %s: closed at once, logged, no memory taken',
    async (_, bytes, reason) => {
      const rss = process.memoryUsage().rss;
      const raw = await target.raw();
      await raw.write(bytes);
      expect(await raw.closesWithin(1000)).toBe(true);
      await target.log.waitFor(about(raw, reason));
      expect(process.memoryUsage().rss - rss).toBeLessThan(50 * 1024 * 1024);
      await target.victimWorks();
    },
  );

  it('with the default 64 MiB limit, a 2 GiB header is refused just as fast', async () => {
    const other = await startTarget();
    try {
      const rss = process.memoryUsage().rss;
      const raw = await other.raw({ handshake: false });
      await raw.write(header(0x7fffffff));
      expect(await raw.closesWithin(1000)).toBe(true);
      await other.log.waitFor(
        about(raw, /over the limit of 67108864 bytes \(limits\.maxFrameBytes\)/),
      );
      expect(process.memoryUsage().rss - rss).toBeLessThan(50 * 1024 * 1024);
      await other.victimWorks();
    } finally {
      await other.close();
    }
  });
});

describe('limits.maxFrameBytes', () => {
  /** A call frame of exactly `size` bytes: `add(2, 3, padding)`. */
  const callFrame = (size: number) => frame(callOfSize(7, 'add', [2, 3], size));

  it('a frame of exactly the limit is served', async () => {
    const raw = await target.raw();
    await raw.write(callFrame(MAX_FRAME));
    expect(await raw.next()).toEqual([3, 7, 5]);
    raw.destroy();
  });

  it('a frame one byte over the limit is refused before handshake, with the limit in the log', async () => {
    const raw = await target.raw({ handshake: false });
    await raw.write(header(MAX_FRAME + 1));
    expect(await raw.closesWithin(1000)).toBe(true);
    await target.log.waitFor(about(raw, /frame of 1025 bytes is over the limit of 1024 bytes/));
    await target.victimWorks();
  });

  it('a call one byte over the limit is refused after the handshake, unanswered, logged', async () => {
    const raw = await target.raw();
    await raw.write(callFrame(MAX_FRAME + 1));
    expect(await raw.closesWithin(1000)).toBe(true);
    expect(raw.inbox).toEqual([]);
    await target.log.waitFor(about(raw, /frame of 1025 bytes is over the limit of 1024 bytes/));
    await target.victimWorks();
  });
});

describe('frames sent back to back with the handshake', () => {
  it('calls pipelined right behind the HELLO are all answered, in one write', async () => {
    const raw = await target.raw({ handshake: false });
    await raw.next(); // the server's HELLO
    const frames = [frame(encode([0, 'farcall', 1, {}]))];
    for (let id = 1; id <= 5; id++) frames.push(frame(encode([1, id, 'add', [id, 2]])));
    await raw.write(Buffer.concat(frames));
    const answers = [];
    for (let id = 1; id <= 5; id++) answers.push(await raw.next());
    expect(answers).toEqual([1, 2, 3, 4, 5].map((id) => [3, id, id + 2]));
    raw.destroy();
  });
});
