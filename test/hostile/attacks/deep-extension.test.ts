/**
 * Issue 6, item 6: a value nested far past `maxDepth` (64) reached the handler, carried through
 * extensions the depth pre-check did not read the way the decoder did. Whatever the encoding, a
 * call whose argument nests past the limit is refused (an error answer, or the connection closed
 * with a log line) and the handler never runs: `probe` counts its runs in the server.
 *
 * The forms: the Set and Map tags in the fixext1 form docs/protocol.md gives them, 3,000 deep
 * (the old pre-check counted these, so they guard the rewrite); the Set tag in the other ext
 * forms (ext8, fixext2), which the old pre-check took for whole values and msgpackr still read
 * as tags; msgpackr's record extension (`d4 72`), whose values the pre-check never saw as nested;
 * and the fixext1 Set chain behind a 0xc1, where the old pre-check stopped reading. The forms the
 * old decoder took are 1,000 deep where 3,000 overflowed its stack before reaching the handler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, connect, type Remote } from '../../../src/index.js';
import { type AttackChild, honestClientServed, startChild } from '../../helpers/attack-child.js';
import { framed, handCodec } from '../../helpers/msgpack-bytes.js';
import { about, fateOf, rawConnect } from '../../helpers/raw-client.js';
import { callBody, chain, NEVER_USED } from './hostile-bytes.js';

interface Stats {
  maxConcurrent: number;
  running: number;
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

const DEPTH_LOG = /maxDepth|LimitError|nests deeper/;
const ANY_LOG = /./;

/** Each form: what it is, the call's encoded arguments, and what a closing log line must say. */
const forms: [string, Buffer[], RegExp][] = [
  [
    'Set tags d4 73 00, each before a one-item array, 3,000 deep',
    [chain([0xd4, 0x73, 0x00, 0x91], 3000)],
    DEPTH_LOG,
  ],
  [
    'Map tags d4 6d 00, each before [key, value], 3,000 deep',
    [chain([0xd4, 0x6d, 0x00, 0x92, 0x00], 3000)],
    DEPTH_LOG,
  ],
  [
    'Set tags as ext8 (c7 01 73 00), 1,000 deep',
    [chain([0xc7, 0x01, 0x73, 0x00, 0x91], 1000)],
    ANY_LOG,
  ],
  [
    'Set tags as fixext2 (d5 73 00 00), 1,000 deep',
    [chain([0xd5, 0x73, 0x00, 0x00, 0x91], 1000)],
    ANY_LOG,
  ],
  [
    'records (d4 72: one key, then 3,000 records each holding the next)',
    [Buffer.concat([Buffer.from([0xd4, 0x72, 0x40, 0x91, 0xa1, 0x61]), chain([0x40], 3000)])],
    ANY_LOG,
  ],
  [
    'Set tags d4 73 00, 1,000 deep, in the argument after a 0xc1',
    [Buffer.from([NEVER_USED]), chain([0xd4, 0x73, 0x00, 0x91], 1000)],
    ANY_LOG,
  ],
];

describe('a call argument nested past maxDepth through an extension', () => {
  it.each(forms)('%s: refused, the handler never runs', async (_, args, why) => {
    const before = (await observer.stats()).ran.probe ?? 0;
    const raw = await rawConnect(child.url, handCodec);
    await raw.handshake();
    await raw.ready();
    await raw.write(framed(callBody(1, 'probe', args)));
    const fate = await fateOf(raw, 1, 2000);
    expect(['error', 'closed'], `the call is refused, not ${fate.kind}`).toContain(fate.kind);
    if (fate.kind === 'closed') await child.waitForLog(about(raw, why), 2000);
    raw.destroy();
    expect((await observer.stats()).ran.probe ?? 0, 'runs of the handler').toBe(before);
  });

  it('afterwards the server is alive and serves a new client within 2 s', async () => {
    expect(child.alive()).toBe(true);
    await honestClientServed(child.url);
  });
});
