/**
 * A batch is answered in the order of its calls, whatever order they finish in, and a call the
 * responder drops (a copy of an id already running) leaves the batch complete without it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeMsgpack, encodeMsgpack } from '../../src/codec/msgpack.js';
import { type Server, serve } from '../../src/index.js';

const api = {
  /** Answers after `ms`, on a timer the test does not measure: only the order is asserted. */
  after: (ms: number, value: unknown) =>
    new Promise((resolve) => setTimeout(() => resolve(value), ms)),
};

let jsonrpc: Server;
let native: Server;
beforeAll(async () => {
  [jsonrpc, native] = await Promise.all([
    serve(api, { listen: 'http://127.0.0.1:0/rpc', protocol: 'jsonrpc', logger: false }),
    serve(api, { listen: 'http://127.0.0.1:0/rpc', logger: false }),
  ]);
});
afterAll(() => Promise.all([jsonrpc.close(), native.close()]));

const post = async (url: string, body: string | Uint8Array, type: string) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
  return new Uint8Array(await response.arrayBuffer());
};

it('answers a batch in the order of its calls, the slowest first', async () => {
  const batch = [40, 20, 0].map((ms, i) => ({
    jsonrpc: '2.0',
    method: 'after',
    params: [ms, `call ${i}`],
    id: i,
  }));
  const answer = await post(jsonrpc.url, JSON.stringify(batch), 'application/json');
  expect(JSON.parse(new TextDecoder().decode(answer))).toStrictEqual([
    { jsonrpc: '2.0', result: 'call 0', id: 0 },
    { jsonrpc: '2.0', result: 'call 1', id: 1 },
    { jsonrpc: '2.0', result: 'call 2', id: 2 },
  ]);
});

it('completes a batch whose second call repeats a running id, answering the first', async () => {
  const options = { maxDepth: 64, maxItems: 1000 };
  const body = encodeMsgpack(
    [
      [1, 5, 'after', [10, 'first']],
      [1, 5, 'after', [0, 'copy']],
      [1, 6, 'after', [0, 'other']],
    ],
    options,
  );
  const answer = decodeMsgpack(await post(native.url, body, 'application/x-msgpack'), options);
  expect(answer).toStrictEqual([
    [3, 5, 'first'],
    [3, 6, 'other'],
  ]);
});
