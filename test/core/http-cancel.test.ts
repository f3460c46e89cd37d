/**
 * Cancelling one call of an HTTP batch: the batch's request stays open for the other calls, so
 * the cancel travels in a request of its own, which the client's keep-alive pool sends on
 * another connection. The server must find the call there too (it did not: each connection's
 * calls were known only to that connection, and the handler never heard of the cancel).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  AbortError,
  type CallContext,
  close,
  connect,
  type Remote,
  type Server,
  serve,
  withContext,
  withOptions,
} from '../../src/index.js';

let started = 0;
let aborted = 0;
let release: () => void = () => {};
const gate = new Promise<void>((resolve) => {
  release = resolve;
});

const api = {
  hold: withContext(
    (call: CallContext) =>
      new Promise((_, reject) => {
        started++;
        call.signal.addEventListener('abort', () => {
          aborted++;
          reject(call.signal.reason);
        });
      }),
  ),
  later: async (value: number) => {
    await gate;
    return value;
  },
};

let server: Server;
let remote: Remote<typeof api>;
beforeAll(async () => {
  server = await serve(api, { listen: 'http://127.0.0.1:0/rpc', authkey: 'k', logger: false });
  remote = await connect<typeof api>(server.url, { authkey: 'k' });
});
afterAll(async () => {
  release();
  await close(remote);
  await server.close();
});

it('a call cancelled out of a batch that is still open: its handler sees the cancel, the others go on', async () => {
  const controller = new AbortController();
  // One turn: one POST carrying both calls, which stays open until `later` is released.
  const held = withOptions(remote, { signal: controller.signal })
    .hold()
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  const other = remote.later(7);
  await expect.poll(() => started, { timeout: 3000 }).toBe(1);
  controller.abort();
  expect(await held).toBeInstanceOf(AbortError);
  await expect.poll(() => aborted, { timeout: 3000 }).toBe(1);
  release();
  expect(await other).toBe(7);
});
