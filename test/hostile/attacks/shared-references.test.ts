/**
 * Issue 6, item 2: re-encoding shared references took exponential time. A handler that returns
 * caller data (`echo`) hung for ever on a DAG of depth 50, and once such a value was stored every
 * later reader hung. Shared references come off the wire only where both ends negotiated them
 * (`references: true` on `serve` and `connect`); where they did, a DAG either travels with its
 * sharing intact or is refused for its size, and never hangs anyone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectOptions } from '../../../src/index.js';
import {
  type AttackChild,
  honestClientServed,
  runClient,
  servedMeanwhile,
  startChild,
} from '../../helpers/attack-child.js';
import { framed, handCodec } from '../../helpers/msgpack-bytes.js';
import { about, fateOf, rawConnect } from '../../helpers/raw-client.js';
import { callBody, dagBomb } from './hostile-bytes.js';

const DEPTH = 50;
/** `references` is the option the fixes add; typed so this compiles before and after them. */
const WITH_REFERENCES: ConnectOptions & { references?: boolean } = { references: true };
/** What a server refusing a value for its size says: the limit's name, or the error's. */
const LIMIT_LOG = /LimitError|limits\.|maxItems|maxDepth/;

let plain: AttackChild;
let sharing: AttackChild;
beforeAll(async () => {
  [plain, sharing] = await Promise.all([startChild(), startChild({ references: true })]);
});
afterAll(async () => {
  await Promise.all([plain.kill(), sharing.kill()]);
});

describe('a DAG of depth 50 sent to echo', () => {
  it('with references not negotiated (the default): refused, answered or closed within 2 s', async () => {
    const raw = await rawConnect(plain.url, handCodec);
    await raw.handshake();
    await raw.ready();
    await raw.write(framed(callBody(1, 'echo', [dagBomb(DEPTH)])));
    const served = servedMeanwhile(plain.url);
    const fate = await fateOf(raw, 1, 2000);
    expect(['error', 'closed'], `the call is refused, not ${fate.kind}`).toContain(fate.kind);
    if (fate.kind === 'closed') await plain.waitForLog(about(raw, /./), 2000);
    await served;
    raw.destroy();
  });

  it('with references: true on both ends: back with its sharing, or refused for its size', async () => {
    const logsBefore = sharing.logs.length;
    const run = await runClient(
      { scenario: 'dag', url: sharing.url, options: { references: true }, depth: DEPTH },
      12_000,
    );
    expect(run.killed, `the client hung (killed after 12 s)\n${run.stderr}`).toBe(false);
    const { echo, set, get } = run.result as Record<string, Outcome>;
    const serverRefused = () => sharing.logs.slice(logsBefore).some((l) => LIMIT_LOG.test(l));
    expectSharedOrRefused(echo!, 'echo(dag)', serverRefused);
    if (set!.ok) expectSharedOrRefused(get!, 'store.get() after store.set(dag)', serverRefused);
    else expectRefused(set!, 'store.set(dag)', serverRefused);
  });
});

interface Outcome {
  ok: boolean;
  sharedLevels?: number;
  name?: string;
  remote?: boolean;
  code?: string;
  message?: string;
}

/**
 * A refusal for size: a `LimitError` raised by the client itself, a `RemoteError` that says the
 * server refused the request or names a limit, or a closed connection that the server's log
 * blames on a limit.
 */
function expectRefused(outcome: Outcome, what: string, serverRefused: () => boolean): void {
  const description = `${what} failed with ${outcome.name}: ${outcome.message}`;
  if (outcome.name === 'LimitError' && !outcome.remote) return;
  if (outcome.remote) {
    const limit = outcome.code === 'INVALID_REQUEST' || /limit/i.test(outcome.message ?? '');
    expect(limit, `${description} (a refusal for size, not another failure)`).toBe(true);
    return;
  }
  expect(outcome.name, description).toBe('ConnectionClosedError');
  expect(serverRefused(), `${description}, and the server logged no limit`).toBe(true);
}

function expectSharedOrRefused(outcome: Outcome, what: string, serverRefused: () => boolean): void {
  if (outcome.ok) {
    expect(outcome.sharedLevels, `${what} comes back with every level shared`).toBe(DEPTH);
  } else {
    expectRefused(outcome, what, serverRefused);
  }
}

describe('after the attacks', () => {
  it('both servers are alive and serve a new client within 2 s', async () => {
    expect(plain.alive()).toBe(true);
    expect(sharing.alive()).toBe(true);
    await honestClientServed(plain.url);
    await honestClientServed(sharing.url, WITH_REFERENCES);
  });
});
