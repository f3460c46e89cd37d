/**
 * Connections that do not finish the opening: silent ones, ones that stop after HELLO, wrong or
 * missing authkey proofs, hostile HELLOs. Each is closed (after `limits.handshakeTimeoutMs` when
 * it is merely slow), logged, and a client that authenticated before is served on.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authProof } from '../../src/protocol/farcall/handshake.js';
import { about, encode, frame, startTarget, type Target } from '../helpers/raw-client.js';

const TIMEOUT_MS = 200;
/** What the server logs when the handshake deadline passes. */
const DEADLINE = new RegExp(
  `handshake failed: .*(within ${TIMEOUT_MS} ms|before the handshake deadline)`,
);
let open: Target;
let keyed: Target;

beforeAll(async () => {
  [open, keyed] = await Promise.all([
    startTarget({}, { limits: { handshakeTimeoutMs: TIMEOUT_MS } }),
    startTarget({}, { authkey: 'sesame', limits: { handshakeTimeoutMs: TIMEOUT_MS } }),
  ]);
});
afterAll(() => Promise.all([open.close(), keyed.close()]));

/** Resolves with how long the server took to close `raw`'s connection, in ms. */
async function timeToClose(closed: Promise<void>, since: number): Promise<number> {
  await closed;
  return Date.now() - since;
}

describe('a connection that never finishes the handshake', () => {
  it.each([
    ['without an authkey', () => open],
    ['with an authkey', () => keyed],
  ])(
    '%s: silent after connecting, closed after handshakeTimeoutMs and logged',
    async (_, which) => {
      const target = which();
      const start = Date.now();
      const raw = await target.raw({ handshake: false });
      const hello = await raw.next();
      expect(Array.isArray(hello) && hello.slice(0, 3)).toEqual([0, 'farcall', 1]);
      const elapsed = await timeToClose(raw.closed, start);
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 800);
      await target.log.waitFor(about(raw, DEADLINE));
      await target.victimWorks();
    },
  );

  it('sends HELLO but never AUTH: closed after handshakeTimeoutMs and logged', async () => {
    const start = Date.now();
    const raw = await keyed.raw({ handshake: false });
    await raw.next();
    await raw.send([0, 'farcall', 1, {}]);
    const elapsed = await timeToClose(raw.closed, start);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 800);
    await keyed.log.waitFor(about(raw, DEADLINE));
    await keyed.victimWorks();
  });

  it('many slow connections at once are all closed, the victim is served meanwhile', async () => {
    const raws = await Promise.all(
      Array.from({ length: 20 }, () => open.raw({ handshake: false })),
    );
    await open.victimWorks();
    await Promise.all(raws.map((raw) => raw.closed));
    for (const raw of raws) await open.log.waitFor(about(raw, /handshake failed/));
    await open.victimWorks();
  });
});

describe('a wrong opening', () => {
  it('a wrong authkey proof is answered AUTH_FAIL, then closed and logged', async () => {
    const raw = await keyed.raw({ handshake: false });
    await raw.next();
    await raw.send([0, 'farcall', 1, {}]);
    await raw.send([8, Buffer.alloc(32, 1), Buffer.alloc(32, 2)]);
    expect(await raw.next()).toEqual([10, 'wrong authkey']);
    await raw.closed;
    await keyed.log.waitFor(about(raw, /authentication failed: .*wrong authkey proof/));
    await keyed.victimWorks();
  });

  it('a call instead of AUTH is answered AUTH_FAIL, never run', async () => {
    const raw = await keyed.raw({ handshake: false });
    await raw.next();
    await raw.send([0, 'farcall', 1, {}]);
    await raw.send([1, 1, 'add', [1, 2]]);
    expect(await raw.next()).toEqual([10, 'authentication required']);
    await raw.closed;
    expect(raw.inbox).toEqual([]);
    await keyed.log.waitFor(about(raw, /authentication failed: .*did not authenticate/));
    await keyed.victimWorks();
  });

  it('a call instead of HELLO is refused and logged', async () => {
    const raw = await open.raw({ handshake: false });
    await raw.send([1, 1, 'add', [1, 2]]);
    expect(await raw.closesWithin(1000)).toBe(true);
    await open.log.waitFor(about(raw, /handshake failed: .*does not speak the farcall protocol/));
    await open.victimWorks();
  });

  it('a HELLO of another protocol version is refused and logged', async () => {
    const raw = await open.raw({ handshake: false });
    await raw.send([0, 'farcall', 99, {}]);
    expect(await raw.closesWithin(1000)).toBe(true);
    await open.log.waitFor(about(raw, /handshake failed: .*version 99/));
  });

  it('a HELLO nested 1000 levels deep is refused on its depth', async () => {
    const raw = await open.raw({ handshake: false });
    const deep = Buffer.concat([
      Buffer.from([0x94, 0x00]),
      Buffer.alloc(1000, 0x91),
      Buffer.from([0]),
    ]);
    await raw.write(frame(deep));
    expect(await raw.closesWithin(1000)).toBe(true);
    await open.log.waitFor(about(raw, /handshake failed: .*nests deeper than 4 levels/));
    await open.victimWorks();
  });

  it('a second HELLO after the handshake closes the connection', async () => {
    const raw = await open.raw();
    await raw.write(frame(encode([0, 'farcall', 1, {}])));
    expect(await raw.closesWithin(500)).toBe(true);
    await open.log.waitFor(about(raw, /unexpected message type 0/));
  });

  it('a proof made of the server challenge itself is refused', async () => {
    const raw = await keyed.raw({ handshake: false });
    const hello = (await raw.next()) as [number, string, number, { challenge: Uint8Array }];
    await raw.send([0, 'farcall', 1, {}]);
    // Send the server's own challenge back as ours: a proof copied from elsewhere cannot match.
    await raw.send([8, hello[3].challenge, hello[3].challenge]);
    expect(await raw.next()).toEqual([10, 'wrong authkey']);
    await raw.closed;
    await keyed.victimWorks();
  });
});

describe('an opening sent in one write', () => {
  // A client may send HELLO and AUTH together: the server's HELLO (the challenge) came first.
  it('HELLO, AUTH and a first call in one write are all taken', async () => {
    const raw = await keyed.raw({ handshake: false });
    const hello = (await raw.next()) as [number, string, number, { challenge: Uint8Array }];
    const challenge = randomBytes(32);
    const proof = await authProof(Buffer.from('sesame'), 'client', hello[3].challenge, challenge);
    await raw.write(
      Buffer.concat([
        frame(encode([0, 'farcall', 1, {}])),
        frame(encode([8, proof, challenge])),
        frame(encode([1, 1, 'add', [20, 22]])),
      ]),
    );
    const ok = (await raw.next()) as [number, Uint8Array];
    expect(ok[0]).toBe(9);
    expect(
      Buffer.from(ok[1]).equals(
        await authProof(Buffer.from('sesame'), 'server', challenge, hello[3].challenge),
      ),
    ).toBe(true);
    expect(await raw.next()).toEqual([3, 1, 42]);
    raw.destroy();
  });
});
