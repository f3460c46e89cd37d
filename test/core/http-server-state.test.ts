/**
 * An HTTP server keeps its state across requests: the authkey's nonce table, so that a signed
 * request sent again is refused as a replay (it was not: each request had a table of its own).
 */
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AUTH_HEADER, signRequest } from '../../src/http-auth.js';
import { type Server, serve } from '../../src/index.js';

const KEY = 'replay key';
let server: Server;

beforeAll(async () => {
  server = await serve(
    { add: (x: number, y: number) => x + y },
    { listen: 'http://127.0.0.1:0/rpc', protocol: 'jsonrpc', authkey: KEY, logger: false },
  );
});
afterAll(() => server.close());

/** POSTs `body` with `header` on `agent`'s connection; resolves the status and body. */
function post(agent: http.Agent, body: string, header: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = http.request(
      server.url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', [AUTH_HEADER]: header },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const signed = async (body: string) =>
  (await signRequest(new TextEncoder().encode(KEY), '/rpc', new TextEncoder().encode(body))).header;

it('refuses a signed request sent a second time as a replay', async () => {
  const agent = new http.Agent({ keepAlive: true });
  const body = '{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}';
  const header = await signed(body);
  expect(await post(agent, body, header)).toMatchObject({ status: 200 });
  const again = await post(new http.Agent(), body, header);
  expect(again.status).toBe(401);
  expect(again.text).toContain('replayed');
  agent.destroy();
});
