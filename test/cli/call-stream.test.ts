/**
 * `farcall call` of a function that returns a stream: one line of JSON per item, and a failure
 * mid-way is a remote error (exit 1) after the items before it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Server, serve } from '../../src/index.js';
import { assertBuilt, run } from './helpers.js';

let server: Server;

beforeAll(async () => {
  assertBuilt();
  server = await serve(
    {
      count: async function* (n: number) {
        for (let i = 1; i <= n; i++) yield { i };
      },
      failAt: async function* (n: number) {
        for (let i = 1; i < n; i++) yield i;
        throw new RangeError(`failed at ${n}`);
      },
    },
    { listen: 'tcp://127.0.0.1:0', logger: false },
  );
});
afterAll(() => server.close());

it('prints one line of JSON per item of a stream result, and exits 0', async () => {
  const result = await run(['call', server.url, 'count', '3']);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(
    result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
  ).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
});

it('an error in the stream prints the items before it, then the remote error, exit 1', async () => {
  const result = await run(['call', server.url, 'failAt', '3']);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('1\n2\n');
  expect(result.stderr).toMatch(/RangeError: failed at 3/);
});
