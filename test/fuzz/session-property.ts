/**
 * The session fuzzer: scenarios from session-arbitraries.ts, each on a fresh raw connection to
 * a server in a child process (test/hostile/fixtures/attack-server.mjs, with an authkey), so a
 * scenario that freezes or kills the server is observed, not suffered. After each one:
 *
 * - the bad connection was answered or closed: every honest call in it got its answer and the
 *   closing PING its PONG, or the server closed the connection; a cut frame followed by EOF gets
 *   the connection closed; never nothing for 3 s;
 * - the server is alive, and a client connected before the fuzzing is answered within 2 s;
 *   every 250 runs, and at the end, a fresh client is served within 2 s too.
 *
 * A failing run restarts the server, so shrinking (FUZZ_SHRINK=1; off by default, a frozen
 * server makes each step cost seconds) judges each smaller scenario on a server in good health.
 * FUZZ_SEED replays a run that fast-check reported.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { close, connect, type Remote } from '../../src/index.js';
import { type AttackChild, honestClientServed, startChild } from '../helpers/attack-child.js';
import { framed, handCodec, pack } from '../helpers/msgpack-bytes.js';
import { type RawClient, rawConnect } from '../helpers/raw-client.js';
import { type Scenario, scenario } from './session-arbitraries.js';

const AUTHKEY = 'fuzz';
/** How long a run may go without its answers, its PONG or a close before it counts as hung. */
const RUN_BOUND_MS = 3000;
const PING_NONCE = 4_000_000_000;
const FRESH_CLIENT_EVERY = 250;

type Api = { add(x: number, y: number): number };
type Adder = Remote<Api>;

class Target {
  child: AttackChild | undefined;
  honest: Adder | undefined;

  async ensure(): Promise<{ child: AttackChild; honest: Adder }> {
    if (!this.child?.alive() || !this.honest) {
      await this.stop();
      this.child = await startChild({ authkey: AUTHKEY });
      this.honest = await connect<Api>(this.child.url, {
        authkey: AUTHKEY,
        logger: false,
        timeout: 2000,
      });
    }
    return { child: this.child!, honest: this.honest! };
  }

  /** After a failure: the next run gets a new server. */
  async restart(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    if (this.honest) await close(this.honest).catch(() => {});
    await this.child?.kill();
    this.child = undefined;
    this.honest = undefined;
  }
}

/** Sends one scenario; resolves with what went wrong, or undefined when the server coped. */
async function play(raw: RawClient, run: Scenario): Promise<string | undefined> {
  const waiting = new Set(run.frames.flatMap((f) => (f.validId === undefined ? [] : [f.validId])));
  await raw.write(Buffer.concat(run.frames.map((f) => framed(f.body))));
  if (run.ending.kind === 'cut') {
    const header = Buffer.alloc(4);
    header.writeInt32BE(run.ending.announced, 0);
    await raw.write(Buffer.concat([header, Buffer.alloc(run.ending.sent, 0x90)]));
    raw.socket.end();
    waiting.clear(); // answers are not owed to a peer that broke its last frame
  } else {
    await raw.write(framed(pack([6, PING_NONCE])));
    waiting.add(PING_NONCE);
  }
  const deadline = Date.now() + RUN_BOUND_MS;
  while (!raw.isClosed) {
    if (waiting.size === 0 && run.ending.kind === 'ping') return undefined;
    const left = deadline - Date.now();
    if (left <= 0) break;
    const message = await raw.next(left).catch(() => undefined);
    if (!Array.isArray(message)) continue;
    if (message[0] === 7 && message[1] === PING_NONCE) waiting.delete(PING_NONCE);
    if ((message[0] === 3 || message[0] === 4) && typeof message[1] === 'number') {
      waiting.delete(message[1]);
    }
  }
  if (raw.isClosed) return undefined;
  return `after ${RUN_BOUND_MS} ms the connection is neither closed nor done (waiting for ${[...waiting].join(', ')})`;
}

/**
 * Runs the session fuzzer for `numRuns` scenarios against a fresh child server. Throws (an
 * assertion error with fast-check's report: seed, path, the scenario) at the first failure.
 */
export async function fuzzSession(numRuns: number): Promise<void> {
  const target = new Target();
  let runs = 0;
  try {
    await fc.assert(
      fc.asyncProperty(scenario, async (run) => {
        const { child, honest } = await target.ensure();
        try {
          const raw = await rawConnect(child.url, handCodec);
          let failure: string | undefined;
          try {
            if (run.phase === 'session') {
              await raw.handshake(AUTHKEY);
              await raw.ready();
            }
            failure = await play(raw, run);
          } finally {
            raw.destroy();
          }
          runs++;
          expect(failure, 'the bad connection was answered or closed').toBeUndefined();
          expect(child.alive(), `the server is alive (exit ${child.exitCode})`).toBe(true);
          expect(await honest.add(runs, 1), 'the honest client is served').toBe(runs + 1);
          if (runs % FRESH_CLIENT_EVERY === 0) {
            await honestClientServed(child.url, { authkey: AUTHKEY });
          }
        } catch (error) {
          const tail = child.logs.slice(-5).join('\n');
          await target.restart();
          throw new Error(`${(error as Error).message}\nserver log, last lines:\n${tail}`);
        }
      }),
      {
        numRuns,
        endOnFailure: !process.env.FUZZ_SHRINK,
        ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
      },
    );
    const { child } = await target.ensure();
    await honestClientServed(child.url, { authkey: AUTHKEY });
  } finally {
    await target.stop();
  }
}
