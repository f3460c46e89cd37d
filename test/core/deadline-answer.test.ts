/**
 * A callee gives up at the deadline that travelled with a call and answers `CANCELLED`; over a
 * fast channel (a worker's port) that answer can be read before the caller's own timer runs,
 * though both are due. The caller must still see the `TimeoutError` its timer would give.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, RemoteError, TimeoutError, withOptions } from '../../src/index.js';
import { memorySessions } from '../helpers/memory-session.js';

/** Answers `CANCELLED` once `ms` have passed, holding the thread so no timer can run first. */
function cancelledAfter(ms: number) {
  return () => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // Busy: the memory channel then delivers the answer on a microtask, before any timer.
    }
    throw new RemoteError({
      name: 'CancelledError',
      message: "the caller's deadline passed",
      code: ErrorCode.CANCELLED,
    });
  };
}

describe('a CANCELLED answer at the deadline', () => {
  it('reads as the TimeoutError of the caller when its deadline is due', async () => {
    const { remote, client, server } = await memorySessions({ late: cancelledAfter(40) });
    const error = await (withOptions(remote, { timeout: 30 }) as { late(): Promise<unknown> })
      .late()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toContain('timed out after 30 ms');
    await client.close();
    await server.close();
  });

  it('stays a RemoteError when it comes well before the deadline', async () => {
    const { remote, client, server } = await memorySessions({ early: cancelledAfter(0) });
    const error = await (withOptions(remote, { timeout: 60_000 }) as { early(): Promise<unknown> })
      .early()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'CANCELLED' });
    await client.close();
    await server.close();
  });
});
