import { describe, expect, it } from 'vitest';
import { close, connect, RemoteError, serve } from '../../src/index.js';

const api = {
  add: (x: number, y: number) => x + y,
  math: { mul: async (x: number, y: number) => x * y },
  fail: () => {
    throw new TypeError('nope');
  },
};

describe('smoke', () => {
  it('calls over tcp with an authkey', async () => {
    const server = await serve(api, {
      listen: 'tcp://127.0.0.1:0',
      authkey: 'peekaboo',
      logger: false,
    });
    const remote = await connect<typeof api>(server.urls[0]!, { authkey: 'peekaboo' });
    expect(await remote.add(2, 3)).toBe(5);
    expect(await remote.math.mul(4, 5)).toBe(20);
    await expect(remote.fail()).rejects.toMatchObject({ name: 'TypeError', message: 'nope' });
    await expect(remote.fail()).rejects.toBeInstanceOf(RemoteError);
    await close(remote);
    await server.close();
  });
});
