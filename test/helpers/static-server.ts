/**
 * A page for the browser tests to run in, from an origin of its own: a blank HTML page at `/`
 * and the built browser bundle at `/farcall.browser.js`, on 127.0.0.1, port 0.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StaticServer {
  /** `http://127.0.0.1:PORT`, the page's origin. */
  readonly origin: string;
  close(): Promise<void>;
}

export async function startStaticServer(): Promise<StaticServer> {
  const bundle = readFileSync(new URL('../../dist/farcall.browser.js', import.meta.url));
  const server = http.createServer((request, response) => {
    if (request.url === '/farcall.browser.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(bundle);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>farcall browser test</title><p>test page</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
