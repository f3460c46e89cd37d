/**
 * Issue 6, item 12: a timeout of 2^31 ms or more failed the call after 1 ms (a JavaScript timer
 * longer than 2^31 - 1 ms fires at once). Such a timeout is clamped or refused with a clear
 * error, never turned into 1 ms: a call with one gets its answer. On the server the deadline a
 * caller sends travels to the handler's signal (`slow` honours it), so the server must not turn
 * it into 1 ms either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Remote, withOptions } from '../../../src/index.js';
import { type AttackChild, honestClientServed, startChild } from '../../helpers/attack-child.js';
import { framed, handCodec, pack } from '../../helpers/msgpack-bytes.js';
import { fateOf, rawConnect } from '../../helpers/raw-client.js';
import { callBody } from './hostile-bytes.js';

interface Api {
  slow(ms: number): number;
}

let child: AttackChild;
let remote: Remote<Api>;
beforeAll(async () => {
  child = await startChild();
  remote = await connect<Api>(child.url, { logger: false });
});
afterAll(async () => {
  await close(remote);
  await child.kill();
});

describe('timeouts past the longest timer', () => {
  it.each([
    ['2 ** 31', 2 ** 31],
    ['2 ** 40', 2 ** 40],
  ])('a call to slow(50) with timeout %s gets its answer', async (_, timeout) => {
    expect(await withOptions(remote, { timeout }).slow(50)).toBe(50);
  });

  it("a raw peer's CALL with a timeout of 2^40 in its options is answered with the result", async () => {
    const raw = await rawConnect(child.url, handCodec);
    await raw.handshake();
    await raw.ready();
    await raw.write(framed(callBody(1, 'slow', [pack(50)], pack({ timeout: 2 ** 40 }))));
    expect(await fateOf(raw, 1, 2000)).toEqual({ kind: 'result', value: 50 });
    raw.destroy();
  });

  it('afterwards the server is alive and serves a new client within 2 s', async () => {
    expect(child.alive()).toBe(true);
    await honestClientServed(child.url);
  });
});
