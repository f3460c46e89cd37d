/**
 * The browser bundle in real headless Chromium, against a farcall server on 127.0.0.1: a page
 * of another origin imports dist/farcall.browser.js by URL and calls over WebSocket and HTTP,
 * with the authkey: results, a RemoteError with its name, rich values. Its origin is allowed by
 * `origins`; a server that does not list it is refused by the browser (HTTP) and by the server
 * (WebSocket). Runs `npm run build`'s output: build first when running this file alone.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, serve } from '../../src/index.js';
import { type Chromium, chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { type StaticServer, startStaticServer } from '../helpers/static-server.js';

const KEY = 'browser-key';
const api = {
  add: (x: number, y: number) => x + y,
  math: { mul: async (x: number, y: number) => x * y },
  fail: () => {
    throw new TypeError('unsupported operand');
  },
  echo: (value: unknown) => value,
};

/**
 * Runs in the page (as text, so no test transform touches its dynamic import): connects, calls,
 * and returns what it saw as plain JSON.
 */
const CALLS = `async ({ bundle, url, key }) => {
  const farcall = await import(bundle);
  const remote = await farcall.connect(url, { authkey: key });
  const sum = await remote.add(2, 3);
  const product = await remote.math.mul(4, 5);
  const error = await remote.fail().catch((e) => e);
  const sent = {
    date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    map: new Map([[1, 'one'], ['two', [2n]]]),
    big: 2n ** 70n,
    bytes: new Uint8Array([0, 1, 254, 255]),
  };
  const back = await remote.echo(sent);
  const wrong = await farcall.connect(url, { authkey: 'not the key' }).then(
    () => 'connected',
    (e) => e.name,
  );
  await farcall.close(remote);
  return {
    sum,
    product,
    error: {
      remote: error instanceof farcall.RemoteError,
      name: error.name,
      message: error.message,
      code: error.code,
    },
    date: back.date instanceof Date ? back.date.toISOString() : null,
    map: back.map instanceof Map
      ? [...back.map].map(([k, v]) => [k, Array.isArray(v) ? typeof v[0] + ' ' + v[0] : v])
      : null,
    big: typeof back.big === 'bigint' ? back.big.toString() : null,
    bytes: back.bytes instanceof Uint8Array ? [...back.bytes] : null,
    wrong,
  };
}`;

/** Tries to connect and call once; resolves 'ok' or the error's name. */
const ATTEMPT = `async ({ bundle, url }) => {
  const farcall = await import(bundle);
  try {
    const remote = await farcall.connect(url, { connectTimeout: 5000 });
    await remote.add(1, 1);
    return 'ok';
  } catch (e) {
    return e.name;
  }
}`;

const available = chromiumAvailable();
let chromium: Chromium;
let page: Page;
let site: StaticServer;
let server: Server;
let closedServer: Server;

beforeAll(async () => {
  if (!available) return;
  site = await startStaticServer();
  server = await serve(api, {
    listen: ['ws://127.0.0.1:0/ws', 'http://127.0.0.1:0/rpc'],
    authkey: KEY,
    origins: [site.origin],
    logger: false,
  });
  closedServer = await serve(api, {
    listen: ['ws://127.0.0.1:0/ws', 'http://127.0.0.1:0/rpc'],
    logger: false,
  });
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  await page.goto(`${site.origin}/`);
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await closedServer?.close();
  await site?.close();
});

function run(script: string, url: string): Promise<unknown> {
  const args = { bundle: `${site.origin}/farcall.browser.js`, url, key: KEY };
  return page.evaluate(`(${script})(${JSON.stringify(args)})`);
}

describe.skipIf(!available)('the browser bundle in Chromium', () => {
  it('is one module with no imports', async () => {
    // esbuild parses the bundle and lists every import it has, static or dynamic.
    const { metafile } = await build({
      entryPoints: [fileURLToPath(new URL('../../dist/farcall.browser.js', import.meta.url))],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      external: ['*'],
      logLevel: 'silent',
    });
    const inputs = Object.values(metafile.inputs);
    expect(inputs).toHaveLength(1);
    expect(inputs[0]!.imports).toEqual([]);
  });

  it('serves both endpoints of the serve on one port', () => {
    const ports = server.urls.map((url) => new URL(url).port);
    expect(new Set(ports).size).toBe(1);
  });

  for (const scheme of ['ws', 'http']) {
    it(`calls over ${scheme}:// with the authkey: results, errors by name, rich values`, async () => {
      const url = server.urls.find((u) => u.startsWith(`${scheme}:`))!;
      expect(await run(CALLS, url)).toEqual({
        sum: 5,
        product: 20,
        error: {
          remote: true,
          name: 'TypeError',
          message: 'unsupported operand',
          code: 'APPLICATION_ERROR',
        },
        date: '2024-01-02T03:04:05.000Z',
        map: [
          [1, 'one'],
          ['two', 'bigint 2'],
        ],
        big: (2n ** 70n).toString(),
        bytes: [0, 1, 254, 255],
        wrong: 'AuthenticationError',
      });
    });

    it(`is refused over ${scheme}:// by a server that does not list the page's origin`, async () => {
      const url = closedServer.urls.find((u) => u.startsWith(`${scheme}:`))!;
      const outcome = await run(ATTEMPT, url);
      // HTTP: the browser blocks the preflight (a fetch TypeError, reported as unreachable);
      // WebSocket: the server refuses the upgrade, so the socket never opens.
      expect(outcome).toBe('ConnectionClosedError');
    });
  }
});
