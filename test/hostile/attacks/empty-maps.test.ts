/**
 * Issue 6, item 3: one frame within the default limits killed the process (heap out of memory,
 * SIGABRT). An empty map is one byte on the wire and an object of 40 bytes and more in the heap;
 * a frame of them made 40-232 bytes of heap per byte received. `limits.maxItems` (default
 * 1,000,000) bounds what one frame may make: past it the frame is refused and the connection
 * closed, with a log line naming the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttackChild,
  honestClientServed,
  servedMeanwhile,
  startChild,
} from '../../helpers/attack-child.js';
import { framed, handCodec } from '../../helpers/msgpack-bytes.js';
import { about, type RawClient, rawConnect } from '../../helpers/raw-client.js';
import { callBody, emptyMaps } from './hostile-bytes.js';

/** The default `maxFrameBytes`: the attack stays within every default limit but one. */
const FRAME_BYTES = 16 * 1024 * 1024;
/** `[1, 1, "echo", [dd <count> 80 80 …]]` filling the frame: 14 bytes of envelope. */
const bomb = framed(callBody(1, 'echo', [emptyMaps(FRAME_BYTES - 14)]));
/** The closing line names the limit (`limits.maxItems`), or at least speaks of items. */
const ITEMS_LOG = /maxItems|items/i;

let child: AttackChild;
beforeAll(async () => {
  child = await startChild();
});
afterAll(() => child.kill());

async function authenticated(): Promise<RawClient> {
  const raw = await rawConnect(child.url, handCodec);
  await raw.handshake();
  await raw.ready();
  return raw;
}

/** Sends the bomb on each connection at once; each must close, with the limit in the log. */
async function attack(count: number): Promise<void> {
  expect(bomb.length).toBe(FRAME_BYTES + 4);
  const raws = await Promise.all(Array.from({ length: count }, authenticated));
  for (const raw of raws) void raw.write(bomb);
  const served = servedMeanwhile(child.url);
  const closed = await Promise.all(raws.map((raw) => raw.closesWithin(5000)));
  expect(closed, 'every connection that sent the frame is closed').toEqual(raws.map(() => true));
  for (const raw of raws) await child.waitForLog(about(raw, ITEMS_LOG), 2000);
  await served;
  expect(child.alive(), 'the server is alive').toBe(true);
  expect(child.peakRssMiB(), 'the server never held 1 GiB').toBeLessThan(1024);
}

describe('a 16 MiB frame of empty maps after the opening', () => {
  it('one: that connection closed on limits.maxItems, the server alive under 1 GiB', async () => {
    await attack(1);
  });

  it('four on four connections at once: the same', async () => {
    await attack(4);
  });

  it('afterwards the server is alive and serves a new client within 2 s', async () => {
    expect(child.alive()).toBe(true);
    expect(child.exitCode).toBe(null);
    await honestClientServed(child.url);
  });
});
