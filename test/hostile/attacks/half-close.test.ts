/**
 * Issue 6, item 13: a client that shut its write side (a half-close: "no more calls, send me the
 * answers") got none of its async answers, and nothing was logged. The server answers every call
 * it read, then closes, and says so in its log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackChild, honestClientServed, startChild } from '../../helpers/attack-child.js';
import { framed, handCodec, pack } from '../../helpers/msgpack-bytes.js';
import { about, rawConnect } from '../../helpers/raw-client.js';
import { callBody } from './hostile-bytes.js';

const CALLS = 10;

let child: AttackChild;
beforeAll(async () => {
  child = await startChild();
});
afterAll(() => child.kill());

describe('a peer that sends 10 calls to slow(100), then shuts its write side', () => {
  it('gets all 10 answers, then the server closes and logs the half-close', async () => {
    const raw = await rawConnect(child.url, handCodec);
    await raw.handshake();
    await raw.ready();
    const calls = [];
    for (let id = 1; id <= CALLS; id++) calls.push(framed(callBody(id, 'slow', [pack(100)])));
    await raw.write(Buffer.concat(calls));
    raw.socket.end(); // FIN: no more from us; our reading side stays open

    const answers = new Map<number, unknown>();
    const deadline = Date.now() + 3000;
    while (answers.size < CALLS && Date.now() < deadline) {
      const message = await raw.next(Math.max(1, deadline - Date.now())).catch(() => undefined);
      if (message === undefined) break;
      if (Array.isArray(message) && message[0] === 3) answers.set(message[1] as number, message[2]);
    }
    expect(
      [...answers.keys()].sort((a, b) => a - b),
      'the calls answered',
    ).toEqual(Array.from({ length: CALLS }, (_, i) => i + 1));
    expect([...answers.values()].every((value) => value === 100)).toBe(true);
    expect(await raw.closesWithin(2000), 'the server closes once it has answered').toBe(true);
    await child.waitForLog(about(raw, /half|shut|\bend/i), 2000);
  });

  it('afterwards the server is alive and serves a new client within 2 s', async () => {
    expect(child.alive()).toBe(true);
    await honestClientServed(child.url);
  });
});
