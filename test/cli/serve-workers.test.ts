/** `farcall serve MODULE --workers N`: the module runs in a pool of worker threads. */
import { afterEach, describe, expect, it } from 'vitest';
import { close, connect, RemoteError } from '../../src/index.js';
import { run, type Served, startServe } from './helpers.js';

const HEAVY = 'test/workers/fixtures/heavy.js';
let served: Served | undefined;

afterEach(async () => {
  await served?.stop();
  served = undefined;
});

describe('farcall serve --workers', () => {
  it('answers each call in a pool thread, spread over the threads', async () => {
    served = await startServe([HEAVY, '--listen', 'tcp://127.0.0.1:0', '--workers', '2']);
    const remote = await connect<{ whoami(): number; crash(m: string): never }>(served.urls[0]!, {
      logger: false,
    });
    const ids = await Promise.all([remote.whoami(), remote.whoami()]);
    // Two calls at once, two threads: neither is the main thread (thread id 0).
    expect(new Set(ids).size).toBe(2);
    expect(ids).not.toContain(0);
    const error = await remote.crash('boom').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toContain('uncaught TypeError: boom');
    await close(remote);
    expect(await served.stop()).toBe(0);
    served = undefined;
  });

  it('refuses a count that is not a whole number, exit 2', async () => {
    const result = await run(['serve', HEAVY, '--listen', 'tcp://127.0.0.1:0', '--workers', 'two']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--workers must be a whole number');
  });
});
