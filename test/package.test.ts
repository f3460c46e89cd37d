import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Imports the built package the way a user does: plain `node`, no TypeScript loader, by its
 * name through the `exports` map. `npm test` builds first (the `pretest` script).
 */
describe('the built package', () => {
  it('is importable by name from plain node and works end to end', () => {
    expect(existsSync(new URL('../dist/index.js', import.meta.url))).toBe(true);
    const script = `
      import { serve, connect, close, RemoteError } from 'farcall';
      const api = { add: (x, y) => x + y, math: { mul: (x, y) => x * y }, boom() { throw new TypeError('x'); } };
      const server = await serve(api, { listen: 'tcp://127.0.0.1:0', authkey: 'k' });
      const remote = await connect(server.urls[0], { authkey: 'k' });
      const error = await remote.boom().catch((e) => e);
      console.log(JSON.stringify([await remote.add(2, 3), await remote.math.mul(4, 5), error instanceof RemoteError, error.name]));
      await close(remote);
      await server.close();
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url),
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(JSON.parse(output)).toEqual([5, 20, true, 'TypeError']);
  });

  it('ships type declarations next to the code', () => {
    expect(existsSync(new URL('../dist/index.d.ts', import.meta.url))).toBe(true);
  });
});
