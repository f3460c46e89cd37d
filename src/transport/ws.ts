/**
 * `ws://HOST:PORT/PATH` and `wss://…`: a channel transport, one binary message per frame. The
 * server is the `ws` package on the `node:http(s)` server of its host and port, shared with the
 * other endpoints there (`http-host.ts`), answering upgrades to PATH; it refuses an upgrade from
 * a page origin it does not allow (`cors.ts`). The client is the platform's `WebSocket` where
 * there is one, else `ws`'s. Transport options: `tls` (Node's TLS options: `key`/`cert` to
 * serve, `ca` to trust), `origins`, `server` (a user's server to attach to).
 */
import { WebSocket, WebSocketServer } from 'ws';
import { AbortError, ConnectionClosedError, UsageError } from '../errors.js';
import { judgeOrigin, originSet, refusedOrigin } from './cors.js';
import { isLoopback, mount, type UpgradeRoute, urlHost } from './http-host.js';
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

async function listen(url: string, options: ListenOptions): Promise<Listener> {
  const target = parse(url);
  const onChannel = options.handlers.channel;
  if (!onChannel) throw new Error('farcall: ws listeners carry channels');
  const origins = originSet(options.transport.origins);
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  const upgrade: UpgradeRoute = (request, socket, head) => {
    const origin = request.headers.origin;
    const peer = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
    // Browsers apply no CORS to WebSocket: the Origin header is the only guard (`cors.ts`).
    if (judgeOrigin(origin, request.headers.host, origins) === 'refused') {
      options.warn(`refused a WebSocket from ${peer}: ${refusedOrigin(origin!)}`);
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const certificate = peerCertificate(request.socket);
      onChannel(
        new WebSocketChannel(
          ws as unknown as WebSocketLike,
          peer,
          options.maxFrameBytes,
          certificate,
        ),
      );
    });
  };
  const mounted = await mount(target, { upgrade }, options);
  return {
    url: `${target.secure ? 'wss' : 'ws'}://${urlHost(mounted.host)}:${mounted.port}${target.path}`,
    loopback: isLoopback(mounted.host),
    close: async () => {
      wss.close();
      await mounted.unmount();
    },
  };
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
