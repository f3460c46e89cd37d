/**
 * CORS and the Origin check, on the wire: off by default (a page of another origin is refused,
 * over HTTP and over WebSocket, where browsers apply no CORS); `origins` lets named pages in.
 * What Chromium itself does with these answers is in browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Server, serve, UsageError } from '../../src/index.js';
import { captureLogger } from '../helpers/log.js';

const api = { add: (x: number, y: number) => x + y };
const APP = 'https://app.example';
const EVIL = 'https://evil.example';
const log = captureLogger();
let server: Server;
let httpUrl: string;
let wsUrl: string;

beforeAll(async () => {
  server = await serve(api, {
    listen: ['http://127.0.0.1:0/rpc', 'ws://127.0.0.1:0/ws'],
    origins: [APP],
    logger: log,
  });
  [httpUrl, wsUrl] = server.urls as [string, string];
});
afterAll(() => server.close());

const preflight = (origin: string) =>
  fetch(httpUrl, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, farcall-auth, farcall-client',
    },
  });

/** Opens a WebSocket with an Origin header; resolves 'open' or the HTTP status it was refused with. */
function upgrade(origin: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_request, response) => resolve(String(response.statusCode)));
    ws.on('error', () => {});
  });
}

describe('origins', () => {
  it('answers the preflight of an allowed page, with the farcall headers allowed', async () => {
    const response = await preflight(APP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toBe('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe(
      'content-type, farcall-auth, farcall-client',
    );
    // Credentials (cookies) are never needed, so never allowed.
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets the allowed page read the answer and its authkey proof header', async () => {
    const response = await fetch(httpUrl, {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/x-msgpack' },
      body: new Uint8Array([0x90]),
    });
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-expose-headers')).toBe('farcall-auth');
    expect(response.headers.get('vary')).toBe('origin');
  });

  it('refuses another page: preflight, call and upgrade, each with a log line', async () => {
    expect((await preflight(EVIL)).status).toBe(403);
    const call = await fetch(httpUrl, {
      method: 'POST',
      headers: { origin: EVIL, 'content-type': 'application/x-msgpack' },
      body: new Uint8Array([0x90]),
    });
    expect(call.status).toBe(403);
    expect(call.headers.get('access-control-allow-origin')).toBeNull();
    expect(await call.text()).toContain('origins option');
    expect(await upgrade(EVIL)).toBe('403');
    expect(log.lines.filter((line) => line.includes(EVIL))).toHaveLength(2);
  });

  it('takes pages of its own host and port, and clients that send no Origin', async () => {
    expect(await upgrade(`http://${new URL(wsUrl).host}`)).toBe('open');
    expect(await upgrade(undefined)).toBe('open');
    expect(await upgrade(APP)).toBe('open');
  });

  it('is off by default: no page of another origin is let in', async () => {
    const closed = await serve(api, { listen: 'ws://127.0.0.1:0/ws', logger: false });
    try {
      const ws = new WebSocket(closed.url, { origin: APP });
      const status = await new Promise((resolve) => {
        ws.on('unexpected-response', (_r, response) => resolve(response.statusCode));
        ws.on('open', () => resolve('open'));
        ws.on('error', () => {});
      });
      expect(status).toBe(403);
    } finally {
      await closed.close();
    }
  });

  it('must name origins, not URLs', async () => {
    for (const bad of ['https://app.example/path', 'app.example', '*', 'null']) {
      await expect(
        serve(api, { listen: 'http://127.0.0.1:0/rpc', origins: [bad], logger: false }),
      ).rejects.toThrow(UsageError);
    }
  });
});
