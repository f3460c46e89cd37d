/**
 * Issue 6, item 10: after authentication nothing closed a peer that went silent or trickled a
 * frame a byte at a time, and nothing bounded connections or concurrent handshakes. Now
 * `idleTimeoutMs` closes silent and trickling peers (honest native clients ping, so they are
 * never idle), `maxConnections` refuses connections past it at once, and `maxHandshakes` closes
 * the longest-waiting opening to make room for a new one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Remote } from '../../../src/index.js';
import {
  type AttackChild,
  honestClientServed,
  servedMeanwhile,
  startChild,
} from '../../helpers/attack-child.js';
import { handCodec } from '../../helpers/msgpack-bytes.js';
import { about, type RawClient, rawConnect, sleep } from '../../helpers/raw-client.js';

const AUTHKEY = 'sesame';
let idle: AttackChild;
let capped: AttackChild;
let opening: AttackChild;
beforeAll(async () => {
  [idle, capped, opening] = await Promise.all([
    startChild({ limits: { idleTimeoutMs: 1000 } }),
    startChild({ limits: { maxConnections: 8 } }),
    startChild({ authkey: AUTHKEY, limits: { maxHandshakes: 16 } }),
  ]);
});
afterAll(async () => {
  // Optional: on a server that refuses one of these limits, beforeAll failed before assigning.
  await Promise.all([idle?.kill(), capped?.kill(), opening?.kill()]);
});

async function authenticated(url: string): Promise<RawClient> {
  const raw = await rawConnect(url, handCodec);
  await raw.handshake();
  await raw.ready();
  return raw;
}

// These wait on the server's clock, in parallel, to keep the file short.
describe.concurrent('idleTimeoutMs: 1000', () => {
  it('an authenticated peer that then sends nothing is closed within 5 s', async () => {
    const raw = await authenticated(idle.url);
    expect(await raw.closesWithin(5000), 'the silent peer is closed').toBe(true);
  });

  it('a peer that trickles a frame one byte per 200 ms is closed within 5 s', async () => {
    const raw = await authenticated(idle.url);
    // A header announcing 1,000 bytes, then the body, one byte at a time: never a whole frame.
    const trickle = Buffer.concat([Buffer.from([0, 0, 0x03, 0xe8]), Buffer.alloc(1000, 0xc0)]);
    const until = Date.now() + 5000;
    for (let i = 0; i < trickle.length && !raw.isClosed && Date.now() < until; i++) {
      await raw.write(trickle.subarray(i, i + 1));
      await sleep(200);
    }
    expect(raw.isClosed || (await raw.closesWithin(100)), 'the trickling peer is closed').toBe(
      true,
    );
  });

  it('an honest client idle for 3 s is still served on the same connection', async () => {
    const remote: Remote<{ add(x: number, y: number): number }> = await connect<{
      add(x: number, y: number): number;
    }>(idle.url, {
      logger: false,
      timeout: 2000,
    });
    try {
      expect(await remote.add(1, 1)).toBe(2);
      await sleep(3000);
      expect(await remote.add(2, 3)).toBe(5);
    } finally {
      await close(remote);
    }
  });
});

describe('maxConnections: 8', () => {
  it('the 9th connection is closed at once and logged; when one of 8 goes, a new one is accepted', async () => {
    const eight = [];
    for (let i = 0; i < 8; i++) eight.push(await authenticated(capped.url));
    const ninth = await rawConnect(capped.url, handCodec);
    expect(await ninth.closesWithin(2000), 'the 9th connection is closed').toBe(true);
    await capped.waitForLog(about(ninth, /maxConnections|connections/i), 2000);
    for (const raw of eight) expect(raw.isClosed, 'the first 8 stay open').toBe(false);

    eight.pop()!.destroy();
    // The server learns of the close a moment later; until then a newcomer may be refused.
    let newcomer: RawClient | undefined;
    for (let attempt = 0; attempt < 20 && !newcomer; attempt++) {
      const raw = await rawConnect(capped.url, handCodec);
      try {
        await raw.handshake();
        await raw.ready();
        newcomer = raw;
      } catch {
        raw.destroy();
        await sleep(100);
      }
    }
    expect(newcomer, 'a new connection is accepted once one of the 8 went away').toBeDefined();
    newcomer!.destroy();
    for (const raw of eight) raw.destroy();
    await Promise.all(eight.map((raw) => raw.closed));
    await sleep(200); // the server's side of those closes, before the next test connects
  });
});

describe('maxHandshakes: 16, with an authkey', () => {
  it('200 connections that never handshake: at most 16 held open, an honest client served', async () => {
    const raws = await Promise.all(
      Array.from({ length: 200 }, () => rawConnect(opening.url, handCodec)),
    );
    const served = servedMeanwhile(opening.url, { authkey: AUTHKEY });
    const open = () => raws.filter((raw) => !raw.isClosed).length;
    for (let i = 0; i < 60 && open() > 16; i++) await sleep(50);
    expect(open(), 'connections still open in their opening').toBeLessThanOrEqual(16);
    await served;
    for (const raw of raws) raw.destroy();
  });
});

describe('after the attacks', () => {
  it('every server is alive and serves a new client within 2 s', async () => {
    for (const child of [idle, capped, opening]) expect(child.alive()).toBe(true);
    await honestClientServed(idle.url);
    await honestClientServed(capped.url);
    await honestClientServed(opening.url, { authkey: AUTHKEY });
  });
});
