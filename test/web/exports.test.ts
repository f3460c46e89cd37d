/**
 * The web's entries of the package's `exports`, resolved by name from plain node as a user's
 * code (or a bundler honouring the `browser` condition) would: `farcall/fetch`, and
 * `farcall/browser` and the `browser` condition of `farcall`, which are the one-file bundle.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function node(script: string, flags: string[] = []): string {
  return execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url),
    encoding: 'utf8',
    timeout: 15_000,
  });
}

describe('the web exports', () => {
  it('farcall/fetch gives fetchHandler, which answers a Request with a Response', () => {
    const output = node(`
      import { fetchHandler } from 'farcall/fetch';
      const handle = fetchHandler({ add: (x, y) => x + y }, { logger: false });
      const response = await handle(new Request('http://x/rpc'));
      console.log(typeof fetchHandler, response.status);
    `);
    expect(output.trim()).toBe('function 405');
  });

  it('farcall/browser and the browser condition of farcall are dist/farcall.browser.js', () => {
    const browser = node(`console.log(import.meta.resolve('farcall/browser'))`);
    expect(browser.trim()).toMatch(/\/dist\/farcall\.browser\.js$/);
    const conditioned = node(`console.log(import.meta.resolve('farcall'))`, [
      '--conditions=browser',
    ]);
    expect(conditioned.trim()).toMatch(/\/dist\/farcall\.browser\.js$/);
    const plain = node(`console.log(import.meta.resolve('farcall'))`);
    expect(plain.trim()).toMatch(/\/dist\/index\.js$/);
  });
});
