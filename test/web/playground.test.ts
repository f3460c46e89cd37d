/**
 * The playground (`serve(api, { ui: true })`) in real headless Chromium, driven by the
 * accessible names the contract fixes: a button per method, the `Arguments` field, the `Call`
 * button, the `Result` region. `FARCALL_SCREENSHOT=1` writes the README's docs/playground.png
 * from the first test; normal runs leave it alone. Runs `npm run build`'s output (the page's
 * script and the bundle come from dist/): build first when running this file alone.
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { method, type Server, serve } from '../../src/index.js';
import { CONTENT_SECURITY_POLICY } from '../../src/playground/assets.js';
import { type Chromium, chromiumAvailable, launchChromium } from '../helpers/chromium.js';

const api = {
  add: (x: number, y: number) => x + y,
  sub: (x: number, y: number) => {
    if (typeof x !== 'number' || typeof y !== 'number') {
      throw new TypeError('sub takes two numbers');
    }
    return x - y;
  },
  greet: (name: string) => `hello, ${name}`,
  math: { mul: (x: number, y: number) => x * y, pow: (base: number, exp: number) => base ** exp },
};

const available = chromiumAvailable();
let chromium: Chromium;
let open: Server;
let locked: Server;

beforeAll(async () => {
  if (!available) return;
  open = await serve(api, { listen: 'http://127.0.0.1:0/rpc', ui: true, logger: false });
  locked = await serve(api, {
    listen: 'http://127.0.0.1:0/api',
    ui: true,
    authkey: 'peekaboo',
    logger: false,
  });
  chromium = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await open?.close();
  await locked?.close();
});

const result = (page: Page) => page.getByRole('region', { name: 'Result' });

/** Picks a method, types the arguments, calls, and waits for `expected` in the Result region. */
async function callFromPage(page: Page, method: string, args: string, expected: string) {
  await page.getByRole('button', { name: method, exact: true }).click();
  await page.getByRole('textbox', { name: 'Arguments' }).fill(args);
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await result(page).getByText(expected, { exact: true }).waitFor({ timeout: 10_000 });
}

describe.skipIf(!available)('the playground in Chromium', () => {
  it('calls add and sub: 5, then a TypeError', async () => {
    const page = await chromium.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(open.url);
    await callFromPage(page, 'add', '[2, 3]', '5');
    await callFromPage(page, 'sub', '[[1, 2], 4]', 'TypeError');
    expect(await result(page).textContent()).toContain('sub takes two numbers');
    expect(await result(page).textContent()).toContain('APPLICATION_ERROR');
    // Namespaces are a tree: math.mul sits under "math", with its parameter names.
    const math = page.locator('details', { has: page.locator('summary', { hasText: 'math' }) });
    expect(await math.getByRole('button', { name: 'math.mul' }).count()).toBe(1);
    expect(await math.textContent()).toContain('(base, exp)');
    // The history keeps both calls, newest first, with durations.
    const history = page.locator('#history-list > li');
    expect(await history.count()).toBe(2);
    expect(await history.nth(0).textContent()).toMatch(/^sub\(\[1,2\],4\) → TypeError.*\d ms/);
    if (process.env.FARCALL_SCREENSHOT) {
      await page.screenshot({
        path: fileURLToPath(new URL('../../docs/playground.png', import.meta.url)),
      });
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('checks the arguments as they are typed, and is usable from the keyboard', async () => {
    const page = await chromium.context.newPage();
    await page.goto(open.url);
    const method = page.getByRole('button', { name: 'math.mul', exact: true });
    await method.focus();
    await page.keyboard.press('Enter');
    const field = page.getByRole('textbox', { name: 'Arguments' });
    // Picking a method moves the focus to the arguments.
    expect(await page.evaluate('document.activeElement.id')).toBe('arguments');
    await field.fill('[4,');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Call', exact: true }).isDisabled()).toBe(true);
    await field.fill('{"x": 1}');
    expect(await page.locator('#arguments-error').textContent()).toContain('JSON array');
    await field.fill('[4, 5]');
    expect(await field.getAttribute('aria-invalid')).toBe('false');
    await page.keyboard.press('Control+Enter');
    await result(page).getByText('20', { exact: true }).waitFor({ timeout: 10_000 });
    await page.close();
  });

  it('re-runs a call from the history and copies it as a farcall call command', async () => {
    const page = await chromium.context.newPage();
    await page.goto(open.url);
    await callFromPage(page, 'greet', '["bob"]', '"hello, bob"');
    await page.getByRole('button', { name: 'Copy as command', exact: true }).click();
    expect(await page.locator('.command code').textContent()).toBe(
      `npx farcall call ${open.url} greet '"bob"'`,
    );
    await callFromPage(page, 'add', '[1, 1]', '2');
    await page.getByRole('button', { name: 'Run again: greet' }).click();
    await result(page).getByText('"hello, bob"', { exact: true }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#history-list > li').count()).toBe(3);
    await page.close();
  });

  it('asks for the authkey when the server has one, and keeps it in memory only', async () => {
    const page = await chromium.context.newPage();
    await page.goto(locked.url);
    const key = page.getByLabel('Authkey');
    await key.fill('wrong');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText('That key was refused').waitFor({ timeout: 10_000 });
    await page.getByLabel('Authkey').fill('peekaboo');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await callFromPage(page, 'add', '[2, 3]', '5');
    const stored = await page.evaluate(
      '[localStorage.length, sessionStorage.length, document.cookie, location.href]',
    );
    expect(stored).toEqual([0, 0, '', locked.url]);
    await page.close();
  });
});

/** Opens the gate that `ticks` waits at after its first two items. */
let openGate: () => void = () => {};
const streaming = {
  /** Two items, then waits for the test, then the rest: the page must show the first two early. */
  async *ticks(n: number) {
    for (let i = 0; i < n; i++) {
      if (i === 2) await new Promise<void>((resolve) => (openGate = resolve));
      yield { tick: i };
    }
  },
};

describe.skipIf(!available)('the playground with ws:// on the same path', () => {
  it("calls over the socket and shows a stream's items as they arrive", async () => {
    const server = await serve(streaming, {
      listen: ['http://127.0.0.1:0/live', 'ws://127.0.0.1:0/live'],
      ui: true,
      logger: false,
    });
    const page = await chromium.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      expect(await (await fetch(server.url)).text()).toContain('name="farcall-socket"');
      await page.goto(server.url);
      await page.getByRole('button', { name: 'ticks', exact: true }).click();
      await page.getByRole('textbox', { name: 'Arguments' }).fill('[4]');
      await page.getByRole('button', { name: 'Call', exact: true }).click();
      // The first two items are on the page while the stream is still open.
      const status = result(page).getByRole('status');
      await status.getByText('stream: 2 items so far').waitFor({ timeout: 10_000 });
      const items = page.getByRole('list', { name: 'Stream items' }).locator('li');
      expect(await items.count()).toBe(2);
      expect(await items.nth(1).textContent()).toContain('"tick": 1');
      openGate();
      await status.getByText('stream: 4 items, ended').waitFor({ timeout: 10_000 });
      expect(await items.count()).toBe(4);
      expect(await items.nth(3).textContent()).toContain('"tick": 3');
      expect(await page.locator('#history-list > li').first().textContent()).toContain(
        'stream of 4 items',
      );
      // The calls went over the socket: the server saw one WebSocket connection.
      expect(server.stats().length).toBe(1);
      expect(problems).toEqual([]);
    } finally {
      openGate();
      await page.close();
      await server.close();
    }
  });

  it('over HTTP alone the page posts its calls, and names no socket', async () => {
    const server = await serve(api, { listen: 'http://127.0.0.1:0/rpc', ui: true, logger: false });
    try {
      expect(await (await fetch(server.url)).text()).not.toContain('farcall-socket');
    } finally {
      await server.close();
    }
  });
});

const schemed = {
  label: method(
    {
      input: z.tuple([z.number().int(), z.string(), z.boolean(), z.enum(['up', 'down'])]),
      output: z.string(),
    },
    (count, name, loud, way) => `${loud ? name.toUpperCase() : name} x${count} ${way}`,
  ),
};

describe.skipIf(!available)('the playground with a schema', () => {
  it('builds a form from the input schema that writes the Arguments, and shows both schemas', async () => {
    const server = await serve(schemed, {
      listen: 'http://127.0.0.1:0/s',
      ui: true,
      logger: false,
    });
    const page = await chromium.context.newPage();
    try {
      await page.goto(server.url);
      await page.getByRole('button', { name: 'label', exact: true }).click();
      const form = page.getByRole('group', { name: 'From the input schema' });
      await form.getByRole('spinbutton').fill('3');
      await form.getByRole('textbox').fill('ab');
      await form.getByRole('checkbox').check();
      await form.getByRole('combobox').selectOption('down');
      const args = page.getByRole('textbox', { name: 'Arguments' });
      expect(JSON.parse(await args.inputValue())).toEqual([3, 'ab', true, 'down']);
      await page.getByRole('button', { name: 'Call', exact: true }).click();
      await result(page).getByText('"AB x3 down"', { exact: true }).waitFor({ timeout: 10_000 });
      const schemas = page.locator('.schema details');
      expect(await schemas.count()).toBe(2);
      expect(await schemas.nth(0).textContent()).toContain('prefixItems');
      expect(await schemas.nth(1).textContent()).toContain('"type": "string"');
      // A wrong type typed by hand is the server's INVALID_PARAMS, shown with its issues.
      await args.fill('[1.5, "ab", true, "up"]');
      await page.getByRole('button', { name: 'Call', exact: true }).click();
      await result(page).getByText('INVALID_PARAMS', { exact: false }).waitFor({ timeout: 10_000 });
    } finally {
      await page.close();
      await server.close();
    }
  });
});

describe('the playground over plain HTTP', () => {
  it('is served under a strict Content-Security-Policy, its files too; POST stays RPC', async () => {
    const server = await serve(api, { listen: 'http://127.0.0.1:0/rpc', ui: true, logger: false });
    try {
      const page = await fetch(server.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
      const html = await page.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
      expect(html).not.toMatch(/\son[a-z]+=/); // no inline handlers
      for (const name of ['page.js', 'page.css', 'farcall.browser.js']) {
        const file = await fetch(`${server.url}/_farcall/${name}`);
        expect(file.status).toBe(200);
        expect(file.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
        expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      }
      expect((await fetch(`${server.url}/_farcall/secret.txt`)).status).toBe(404);
      expect((await fetch(`${server.url}/_farcall/../package.json`)).status).toBe(404);
      const post = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'x',
      });
      expect(post.status).toBe(415);
    } finally {
      await server.close();
    }
  });

  it('is not served without ui: a GET is a 405', async () => {
    const server = await serve(api, { listen: 'http://127.0.0.1:0/rpc', logger: false });
    try {
      const page = await fetch(server.url);
      expect(page.status).toBe(405);
      expect(page.headers.get('allow')).toBe('POST');
    } finally {
      await server.close();
    }
  });
});
