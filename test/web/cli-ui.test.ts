/**
 * `farcall serve MODULE --listen http://… --ui`: the playground at the HTTP address, announced
 * with `playground on URL`, beside a WebSocket endpoint on the same port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, killServers, run, startServe } from '../cli/helpers.js';

beforeAll(() => assertBuilt());
afterAll(killServers);

describe('farcall serve --ui', () => {
  it('prints playground on URL and serves the page there; calls go on over both endpoints', async () => {
    const server = await startServe([
      fixture('default-object.js'),
      '--listen',
      'http://127.0.0.1:0/rpc',
      '--listen',
      'ws://127.0.0.1:0/ws',
      '--ui',
    ]);
    const [http, ws] = server.urls as [string, string];
    expect(new URL(http).port).toBe(new URL(ws).port);
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!server.stdout().includes('playground on')) return;
        server.child.stdout?.off('data', check);
        resolve();
      };
      server.child.stdout?.on('data', check);
      check();
    });
    expect(server.stdout()).toBe(
      `listening on ${http}\nlistening on ${ws}\nplayground on ${http}\n`,
    );
    const page = await fetch(http);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>farcall playground</title>');
    expect(await run(['call', http, 'hello', 'bob'])).toMatchObject({
      code: 0,
      stdout: '"hi bob"\n',
    });
    expect(await run(['call', ws, 'tools.upper', 'abc'])).toMatchObject({
      code: 0,
      stdout: '"ABC"\n',
    });
    expect(await server.stop('SIGTERM')).toBe(0);
  });
});
