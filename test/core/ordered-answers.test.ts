/**
 * A protocol that matches answers to calls first in, first out (the Python protocol) is
 * answered one call at a time, in order. When an async call finishes and the next waiting call
 * answers at once, the earlier answer must still go first: otherwise each caller gets the other
 * one's result.
 */
import { expect, it } from 'vitest';
import { close, connect, serve } from '../../src/index.js';

const api = {
  add: (x: number, y: number) => x + y,
  later: async (value: unknown) => {
    await new Promise((resolve) => setTimeout(resolve, 10));
    return value;
  },
};

it('answers an async call before the sync call queued behind it', async () => {
  const server = await serve(api, {
    listen: 'memory://ordered',
    protocol: 'python',
    logger: false,
  });
  const remote = await connect<typeof api>(server.url, { protocol: 'python', logger: false });
  try {
    expect(await Promise.all([remote.later('late'), remote.add(1, 1), remote.later('x')])).toEqual([
      'late',
      2,
      'x',
    ]);
  } finally {
    await close(remote);
    await server.close();
  }
});
