/**
 * Issue 6, item 9: notifications were not admitted like calls (100,000 handlers ran at once,
 * +177 MiB, while calls were capped at `maxInFlight`), and handlers that never settle wedged a
 * connection for ever: cancelling a call did not free its slot. Notifications count against
 * `maxInFlight` like calls; a call's slot is freed when its caller cancels or its deadline
 * passes, even if the handler's promise never settles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Remote, TimeoutError, withOptions } from '../../../src/index.js';
import {
  type AttackChild,
  honestClientServed,
  servedMeanwhile,
  startChild,
} from '../../helpers/attack-child.js';
import { framed, handCodec, pack } from '../../helpers/msgpack-bytes.js';
import { type CallFate, fateOf, rawConnect, sleep } from '../../helpers/raw-client.js';
import { callBody, notifyBody } from './hostile-bytes.js';

interface Api {
  hang(): void;
  add(x: number, y: number): number;
  stats(): { maxConcurrent: number; running: number };
}

const NOTIFICATIONS = 100_000;
const MAX_IN_FLIGHT = 1024;

let flooded: AttackChild;
let narrow: AttackChild;
beforeAll(async () => {
  [flooded, narrow] = await Promise.all([startChild(), startChild({ limits: { maxInFlight: 4 } })]);
});
afterAll(async () => {
  await Promise.all([flooded.kill(), narrow.kill()]);
});

describe(`${NOTIFICATIONS.toLocaleString('en')} notifications to a handler that never settles`, () => {
  it(`at most maxInFlight (${MAX_IN_FLIGHT}) run at once; memory grows < 100 MiB`, async () => {
    const raw = await rawConnect(flooded.url, handCodec);
    await raw.handshake();
    await raw.ready();
    await sleep(200);
    const baseline = flooded.rssMiB();
    const one = framed(notifyBody('count', []));
    await raw.write(Buffer.concat(Array.from({ length: NOTIFICATIONS }, () => one)));
    // A ping behind them: its pong says the server has read every notification.
    await raw.send([6, 99]);
    const served = servedMeanwhile(flooded.url);
    const deadline = Date.now() + 10_000;
    let ponged = false;
    while (!ponged && !raw.isClosed && Date.now() < deadline) {
      const message = await raw.next(Math.max(1, deadline - Date.now())).catch(() => undefined);
      ponged = Array.isArray(message) && message[0] === 7 && message[1] === 99;
    }
    expect(ponged || raw.isClosed, 'the server read the flood (pong) or closed').toBe(true);
    const observer: Remote<Api> = await connect<Api>(flooded.url, { logger: false, timeout: 2000 });
    try {
      const stats = await observer.stats();
      expect(stats.maxConcurrent, 'count() handlers running at once').toBeLessThanOrEqual(
        MAX_IN_FLIGHT,
      );
    } finally {
      await close(observer);
    }
    expect(flooded.peakRssMiB() - baseline, 'MiB the server grew by').toBeLessThan(100);
    await served;
    raw.destroy();
  });
});

describe('handlers that never settle, with maxInFlight: 4', () => {
  it('4 calls to hang() time out at the client; a 5th call on that connection is served', async () => {
    const remote: Remote<Api> = await connect<Api>(narrow.url, { logger: false });
    try {
      const hung = withOptions(remote, { timeout: 200 });
      const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => hung.hang()));
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(TimeoutError);
      }
      expect(await withOptions(remote, { timeout: 2000 }).add(1, 2)).toBe(3);
    } finally {
      await close(remote);
    }
  });

  it('a raw peer sends 4 calls to hang() with a 200 ms deadline, never cancels: a 5th is answered', async () => {
    const raw = await rawConnect(narrow.url, handCodec);
    await raw.handshake();
    await raw.ready();
    const deadlined = [1, 2, 3, 4].map((id) =>
      framed(callBody(id, 'hang', [], pack({ timeout: 200 }))),
    );
    await raw.write(Buffer.concat(deadlined));
    // The deadlines pass on the server; until they have, a 5th call may be refused as over the
    // limit (UNAVAILABLE), so it is retried with a new id, for at most 5 s.
    const until = Date.now() + 5000;
    let fate: CallFate = { kind: 'nothing' };
    for (let id = 5; fate.kind !== 'result' && !raw.isClosed && Date.now() < until; id++) {
      await raw.write(framed(callBody(id, 'add', [pack(1), pack(2)])));
      fate = await fateOf(raw, id, Math.min(1000, Math.max(1, until - Date.now())));
      if (fate.kind === 'error') await sleep(100);
    }
    expect(fate, 'the answer to a 5th call').toEqual({ kind: 'result', value: 3 });
    raw.destroy();
  });
});

describe('after the attacks', () => {
  it('both servers are alive and serve a new client within 2 s', async () => {
    expect(flooded.alive()).toBe(true);
    expect(narrow.alive()).toBe(true);
    await honestClientServed(flooded.url);
    await honestClientServed(narrow.url);
  });
});
