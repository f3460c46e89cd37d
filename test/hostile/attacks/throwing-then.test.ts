/**
 * Issue 6, item 7: a handler result whose `then` getter throws. Looking at it to see whether it
 * is a promise throws; that check sat outside the `try`, so under the native protocol the
 * connection was dropped without a word, and under `protocol: 'python'` the rejection escaped
 * the ordered queue and killed the process. The caller gets a `RemoteError` instead, and the
 * connection and the server carry on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Remote, RemoteError } from '../../../src/index.js';
import { type AttackChild, honestClientServed, startChild } from '../../helpers/attack-child.js';
import { sleep } from '../../helpers/raw-client.js';

interface Api {
  thenBomb(): unknown;
  add(x: number, y: number): number;
}

let native: AttackChild;
let python: AttackChild;
beforeAll(async () => {
  [native, python] = await Promise.all([startChild(), startChild({ protocol: 'python' })]);
});
afterAll(async () => {
  await Promise.all([native.kill(), python.kill()]);
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => error,
  );
}

describe('a result whose then getter throws', () => {
  it('native protocol: a RemoteError, and the same connection serves the next call', async () => {
    const remote: Remote<Api> = await connect<Api>(native.url, { logger: false, timeout: 2000 });
    try {
      const error = await failure(remote.thenBomb());
      expect(error).toBeInstanceOf(RemoteError);
      expect(await remote.add(2, 3), 'a second call on the same connection').toBe(5);
    } finally {
      await close(remote);
    }
    expect(native.alive()).toBe(true);
  });

  it("protocol 'python': a RemoteError, and the server does not die", async () => {
    const remote: Remote<Api> = await connect<Api>(python.url, {
      protocol: 'python',
      logger: false,
      timeout: 2000,
    });
    try {
      const error = await failure(remote.thenBomb());
      // An unhandled rejection ends the process a moment after the connection drops.
      await sleep(300);
      expect(python.alive(), `the server is alive (exit code ${python.exitCode})`).toBe(true);
      expect(python.exitCode).toBe(null);
      expect(error).toBeInstanceOf(RemoteError);
      expect(await remote.add(2, 3), 'a second call on the same connection').toBe(5);
    } finally {
      await close(remote);
    }
  });

  it('afterwards both servers are alive and serve a new client within 2 s', async () => {
    expect(native.alive()).toBe(true);
    expect(python.alive()).toBe(true);
    await honestClientServed(native.url);
    await honestClientServed(python.url, { protocol: 'python' });
  });
});
