/**
 * The playground's files, as an HTTP endpoint serves them (`serve(api, { ui: true })`): the page
 * at the endpoint's path, and below it (`PATH/_farcall/NAME`) its script, its style sheet and the
 * browser bundle the script imports. The script and the bundle are built by `npm run build`
 * (`scripts/bundle.js`) into `dist/`; they are read from there once and kept.
 *
 * Every file goes out under a strict Content-Security-Policy: scripts, styles and connections
 * from this origin only, no inline script or style, no framing, no plugins, no forms posted
 * anywhere. The page's script builds its DOM with `textContent`, never `innerHTML`, so nothing a
 * server sends (method names, results, error messages) can become markup.
 */
import { readFile } from 'node:fs/promises';
import type { ExchangeResponse } from '../transport/transport.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-cache',
};

/** The files below the page, by name: where `dist/` has them, and their type. */
const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  'page.js': { file: 'playground/page.js', type: 'text/javascript; charset=utf-8' },
  'page.css': { file: 'playground/page.css', type: 'text/css; charset=utf-8' },
  'farcall.browser.js': { file: 'farcall.browser.js', type: 'text/javascript; charset=utf-8' },
};

/** `dist/`, from this module in `dist/playground/` and from its source in `src/playground/`. */
const DIST = new URL('../../dist/', import.meta.url);
const cache = new Map<string, Promise<Uint8Array>>();

function read(file: string): Promise<Uint8Array> {
  let bytes = cache.get(file);
  if (!bytes) {
    bytes = readFile(new URL(file, DIST)).then((buffer) => new Uint8Array(buffer));
    // A failed read (a checkout not built yet) is tried again on the next request.
    bytes.catch(() => cache.delete(file));
    cache.set(file, bytes);
  }
  return bytes;
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]!);
}

/**
 * The page: a skeleton the script fills in; the endpoint's URL is the page's own. `socket` says
 * that the same path also takes WebSocket upgrades: the script then calls over `ws://` (or
 * `wss://`), where streams travel, instead of a POST per call.
 */
export function pageHtml(path: string, socket = false): string {
  const asset = (name: string) => escapeHtml(`${path.replace(/\/$/, '')}/_farcall/${name}`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${socket ? '<meta name="farcall-socket" content="same-path">\n' : ''}<title>farcall playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('page.css')}">
<script type="module" src="${asset('page.js')}"></script>
</head>
<body>
<header>
  <h1>farcall playground</h1>
  <p id="endpoint" class="endpoint"></p>
</header>
<div id="auth" class="auth" hidden></div>
<main>
  <nav id="methods" class="methods" aria-labelledby="methods-title">
    <h2 id="methods-title">Methods</h2>
    <p id="methods-status" class="status" role="status">Loading…</p>
  </nav>
  <section id="call" class="call" aria-labelledby="call-title"></section>
  <section id="history" class="history" aria-labelledby="history-title">
    <h2 id="history-title">History</h2>
    <ol id="history-list"></ol>
  </section>
</main>
<noscript>The playground needs JavaScript.</noscript>
</body>
</html>
`;
}

/**
 * The response for a GET of the endpoint at `path`: the page for name `''`, a file for its name,
 * undefined for any other name (a 404). Rejects when `dist/` lacks a file (build first).
 */
export async function playgroundFile(
  path: string,
  name: string,
  socket = false,
): Promise<ExchangeResponse | undefined> {
  if (name === '') {
    return {
      status: 200,
      body: new TextEncoder().encode(pageHtml(path, socket)),
      headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' },
    };
  }
  const entry = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (!entry) return undefined;
  const body = await read(entry.file).catch((error: Error) => {
    throw new Error(
      `the playground's ${entry.file} is missing from dist/ (npm run build): ${error.message}`,
    );
  });
  return { status: 200, body, headers: { ...SECURITY_HEADERS, 'content-type': entry.type } };
}
