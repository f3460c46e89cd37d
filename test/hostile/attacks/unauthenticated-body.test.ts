/**
 * Issue 6, item 4: before authenticating, a peer could make the server buffer a whole frame of
 * the full frame limit (24 peers: +1,450 MiB), because the 1 KiB handshake limit was checked only
 * once the frame was buffered. The limit before the opening is `maxHandshakeBytes`, checked from
 * the length header: a header announcing more closes the connection before its body is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttackChild,
  honestClientServed,
  servedMeanwhile,
  startChild,
} from '../../helpers/attack-child.js';
import { handCodec } from '../../helpers/msgpack-bytes.js';
import { rawConnect, sleep } from '../../helpers/raw-client.js';

const AUTHKEY = 'sesame';
const PEERS = 24;
const ANNOUNCED = 16 * 1024 * 1024;
const SENT = 1024 * 1024;

let child: AttackChild;
beforeAll(async () => {
  child = await startChild({ authkey: AUTHKEY });
});
afterAll(() => child.kill());

describe(`${PEERS} peers that announce a 16 MiB frame and never authenticate`, () => {
  it('each is closed once its header arrives; memory grows < 64 MiB; others are served', async () => {
    await sleep(200); // let the new process settle before taking its baseline
    const baseline = child.rssMiB();
    const raws = await Promise.all(
      Array.from({ length: PEERS }, () => rawConnect(child.url, handCodec)),
    );
    const header = Buffer.alloc(4);
    header.writeInt32BE(ANNOUNCED, 0);
    const body = Buffer.alloc(SENT, 0x80);
    // The header first, alone, so "closed once the header arrives" is what is observed.
    await Promise.all(raws.map((raw) => raw.write(header)));
    for (const raw of raws) void raw.write(body);
    const served = servedMeanwhile(child.url, { authkey: AUTHKEY });
    const closed = await Promise.all(raws.map((raw) => raw.closesWithin(2000)));
    expect(closed.filter((c) => !c).length, 'peers still open 2 s after their header').toBe(0);
    await served;
    expect(child.alive()).toBe(true);
    expect(child.peakRssMiB() - baseline, 'MiB the server grew by').toBeLessThan(64);
  });

  it('afterwards the server is alive and serves a new client within 2 s', async () => {
    expect(child.alive()).toBe(true);
    await honestClientServed(child.url, { authkey: AUTHKEY });
  });
});
