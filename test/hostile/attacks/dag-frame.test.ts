/**
 * Issue 6, item 1: a 794-byte frame that describes 2^60 values through shared references. Sent
 * as a HELLO before authentication (with a 0xc1 where the old depth pre-check stopped), or as a
 * CALL after it, it froze the server for 20 s and more; sent by a rogue server as its HELLO, it
 * froze a connecting client. Each must cost the receiver nothing: that connection refused within
 * 2 s, everyone else served.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AttackChild,
  honestClientServed,
  runClient,
  servedMeanwhile,
  startChild,
} from '../../helpers/attack-child.js';
import { framed, handCodec } from '../../helpers/msgpack-bytes.js';
import { about, rawConnect } from '../../helpers/raw-client.js';
import { callBody, dagBomb, helloBomb } from './hostile-bytes.js';

const AUTHKEY = 'sesame';
let child: AttackChild | undefined;

afterEach(async () => {
  await child?.kill();
  child = undefined;
});

/** The end of every test here: the server lives and serves a newcomer, then goes. */
async function stillServing(server: AttackChild): Promise<void> {
  expect(server.alive()).toBe(true);
  await honestClientServed(server.url, { authkey: AUTHKEY });
}

describe('the 794-byte DAG frame', () => {
  it('as a HELLO before authentication: that connection closed within 2 s, logged, others served', async () => {
    child = await startChild({ authkey: AUTHKEY });
    const raw = await rawConnect(child.url, handCodec);
    await raw.next(); // the server's HELLO
    await raw.write(framed(helloBomb()));
    const served = servedMeanwhile(child.url, { authkey: AUTHKEY });
    expect(await raw.closesWithin(2000), 'that connection is closed within 2 s').toBe(true);
    await served;
    await child.waitForLog(about(raw, /./), 2000);
    await stillServing(child);
  });

  it('as a CALL after authentication (no 0xc1 needed): the same', async () => {
    child = await startChild({ authkey: AUTHKEY });
    const raw = await rawConnect(child.url, handCodec);
    await raw.handshake(AUTHKEY);
    await raw.ready();
    const body = Buffer.concat([callBody(1, 'echo', [dagBomb(60)]), Buffer.from([0x00])]);
    await raw.write(framed(body));
    const served = servedMeanwhile(child.url, { authkey: AUTHKEY });
    expect(await raw.closesWithin(2000), 'that connection is closed within 2 s').toBe(true);
    await served;
    const answers = raw.inbox.map((frame) => handCodec.decode(frame) as unknown[]);
    expect(answers.filter((message) => message[0] === 3)).toEqual([]);
    await child.waitForLog(about(raw, /./), 2000);
    await stillServing(child);
  });
});

describe('a rogue server whose HELLO is the DAG frame', () => {
  // The client runs in a child process: on the code this was written against, decoding the HELLO
  // blocked its event loop for 20 s and more, which would block the test runner with it.
  it('connect() rejects within 2 s with a ProtocolError or CodecError, its event loop free', async () => {
    const rogue = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.write(framed(helloBomb()));
    });
    await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
    const { port } = rogue.address() as net.AddressInfo;
    try {
      const timerMs = 100;
      const run = await runClient(
        { scenario: 'connect', url: `tcp://127.0.0.1:${port}`, options: {}, timerMs },
        8000,
      );
      expect(run.killed, `the client was still blocked after 8 s\n${run.stderr}`).toBe(false);
      const result = run.result!;
      expect(result.ok, 'connect() rejects').toBe(false);
      // A refusal that names the problem; LimitError too, should a budget refuse it first.
      expect(['ProtocolError', 'CodecError', 'LimitError']).toContain(result.name);
      expect(result.settledAt as number, 'connect() rejects within 2 s').toBeLessThan(2000);
      // A timer armed before connect() fires on time: the decoding never held the event loop.
      expect(result.timerAt, 'the timer armed before connect() fired').toBeTypeOf('number');
      expect(result.timerAt as number, 'the timer fired on time').toBeLessThan(timerMs + 1000);
    } finally {
      await new Promise<void>((resolve) => {
        rogue.close(() => resolve());
        // A client that never hung up must not hold the test open.
        setTimeout(resolve, 500).unref();
      });
    }
  });
});
