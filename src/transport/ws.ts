/**
 * `ws://HOST:PORT/PATH` and `wss://…`: a channel transport, one binary message per frame. The
 * server is the `ws` package on a `node:http(s)` server that answers only upgrades to PATH; the
 * client is the platform's `WebSocket` where there is one, else `ws`'s. Transport options: `tls`
 * (Node's TLS options: `key`/`cert` to serve, `ca` to trust).
 */
import http from 'node:http';
import https from 'node:https';
import { WebSocket, WebSocketServer } from 'ws';
import { AbortError, ConnectionClosedError, UsageError } from '../errors.js';
import { peerCertificate } from './peer-certificate.js';
import type { Listener, ListenOptions, TransportModule } from './transport.js';
import { WebSocketChannel, type WebSocketLike } from './ws-channel.js';

interface Target {
  secure: boolean;
  host: string;
  port: number;
  path: string;
}

function parse(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`cannot parse '${url}' (expected ws://HOST:PORT/PATH)`);
  }
  const secure = parsed.protocol === 'wss:';
  if (!secure && parsed.protocol !== 'ws:') throw new UsageError(`not a WebSocket URL: '${url}'`);
  const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port);
  return {
    secure,
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    path: parsed.pathname || '/',
  };
}

function listen(url: string, options: ListenOptions): Promise<Listener> {
  const target = parse(url);
  const onChannel = options.handlers.channel;
  if (!onChannel) throw new Error('farcall: ws listeners carry channels');
  const tls = options.transport.tls as https.ServerOptions | undefined;
  if (target.secure && !tls?.key && !tls?.pfx) {
    throw new UsageError('a wss:// address needs the tls option with a key and cert');
  }
  const server = target.secure ? https.createServer(tls!) : http.createServer();
  server.on('request', (_request, response: http.ServerResponse) => {
    response.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
    response.end('farcall: this endpoint speaks WebSocket\n');
  });
  server.headersTimeout = options.handshakeTimeoutMs;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  server.on('upgrade', (request, socket, head) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== target.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const peer = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
      const certificate = peerCertificate(request.socket);
      const channel = new WebSocketChannel(
        ws as unknown as WebSocketLike,
        peer,
        options.maxFrameBytes,
        certificate,
      );
      onChannel(channel);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target.port, target.host, () => {
      server.off('error', reject);
      server.on('error', (error) => options.warn(`WebSocket server error: ${error.message}`));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : target.port;
      const host = target.host.includes(':') ? `[${target.host}]` : target.host;
      resolve({
        url: `${target.secure ? 'wss' : 'ws'}://${host}:${port}${target.path}`,
        loopback:
          target.host === 'localhost' || target.host === '::1' || target.host.startsWith('127.'),
        close: () =>
          new Promise<void>((done) => {
            wss.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

export const wsTransport: TransportModule = {
  shape: 'channel',
  dial(url, options) {
    const target = parse(url);
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        maxPayload: options.maxFrameBytes,
        ...(options.transport.tls as object | undefined),
      });
      const onAbort = () => {
        ws.terminate();
        const reason: unknown = options.signal.reason;
        reject(
          reason instanceof Error && reason.name === 'TimeoutError'
            ? reason
            : new AbortError('connecting was aborted', { cause: reason }),
        );
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      ws.once('open', () => {
        options.signal.removeEventListener('abort', onAbort);
        ws.removeAllListeners('error');
        const host = target.host.includes(':') ? `[${target.host}]` : target.host;
        resolve(
          new WebSocketChannel(
            ws as unknown as WebSocketLike,
            `${host}:${target.port}`,
            options.maxFrameBytes,
          ),
        );
      });
      ws.once('error', (error) => {
        options.signal.removeEventListener('abort', onAbort);
        reject(
          new ConnectionClosedError(`cannot connect to ${url}: ${error.message}`, { cause: error }),
        );
      });
      ws.once('unexpected-response', (_request, response) => {
        options.signal.removeEventListener('abort', onAbort);
        ws.terminate();
        reject(
          new ConnectionClosedError(
            `cannot connect to ${url}: HTTP ${response.statusCode} instead of a WebSocket upgrade`,
          ),
        );
      });
    });
  },
  listen,
};
