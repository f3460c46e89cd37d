/**
 * Issue 6, item 8: a peer that stops reading made the server buffer without bound. The 16 MiB
 * write limit held only for answers written while a frame was being read; async answers were
 * encoded and queued whatever the socket held (1,024 handlers × 1 MiB answers: +1,043 MiB). Once
 * a peer's unread answers pass `maxPendingWriteBytes`, the server admits no more of its calls and
 * keeps the answers it cannot send as values, not encoded frames (or refuses them): memory stays
 * within a few times the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Remote } from '../../../src/index.js';
import {
  type AttackChild,
  honestClientServed,
  servedMeanwhile,
  startChild,
} from '../../helpers/attack-child.js';
import { framed, handCodec, pack } from '../../helpers/msgpack-bytes.js';
import { rawConnect, sleep } from '../../helpers/raw-client.js';
import { callBody } from './hostile-bytes.js';

const CALLS = 1024;
const ANSWER_BYTES = 1024 * 1024;
/** `maxPendingWriteBytes` (16 MiB) × 4 + 64 MiB, rounded up. */
const BOUND_MIB = 200;

interface Stats {
  ran: Record<string, number>;
}

let child: AttackChild;
let observer: Remote<{ stats(): Stats }>;
beforeAll(async () => {
  child = await startChild();
  observer = await connect<{ stats(): Stats }>(child.url, { logger: false, timeout: 2000 });
});
afterAll(async () => {
  await close(observer);
  await child.kill();
});

/**
 * Polls `read` until it has not changed for `quietMs`, bounded by `timeoutMs`; a read that fails
 * (a server too busy to answer in time) counts as a change.
 */
async function settled(read: () => Promise<number>, quietMs = 300, timeoutMs = 6000) {
  const start = Date.now();
  let value = await read().catch(() => Number.NaN);
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() - start < timeoutMs) {
    await sleep(50);
    const now = await read().catch(() => Number.NaN);
    if (now !== value) {
      value = now;
      since = Date.now();
    }
  }
  return value;
}

describe(`a peer that sends ${CALLS} calls for 1 MiB answers and never reads`, () => {
  it(`the server grows by less than ${BOUND_MIB} MiB and serves others`, async () => {
    const raw = await rawConnect(child.url, handCodec);
    await raw.handshake();
    await raw.ready();
    raw.socket.pause(); // from here on, nothing is read
    await sleep(200);
    const baseline = child.rssMiB();
    const calls: Buffer[] = [];
    for (let id = 1; id <= CALLS; id++)
      calls.push(framed(callBody(id, 'big', [pack(ANSWER_BYTES)])));
    await raw.write(Buffer.concat(calls));
    const served = servedMeanwhile(child.url);
    const ran = await settled(async () => (await observer.stats()).ran.big ?? 0);
    const grown = child.peakRssMiB() - baseline;
    expect(child.alive()).toBe(true);
    expect(grown, `MiB the server grew by (${ran} of ${CALLS} calls ran)`).toBeLessThan(BOUND_MIB);
    await served;
    raw.destroy();
  });

  it('afterwards the server is alive and serves a new client within 2 s', async () => {
    expect(child.alive()).toBe(true);
    await honestClientServed(child.url);
  });
});
