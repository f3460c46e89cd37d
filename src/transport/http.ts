/**
 * `http://HOST:PORT/PATH` and `https://…`: an exchange transport. Each request is a POST of one
 * body to PATH; its response is the answer. The server refuses a body over the frame limit with
 * 413 before reading it whole, anything but POST with 405, and other paths with 404. Transport
 * options: `tls` (Node's TLS options, for https), and on the client `batch: false` to send one
 * request per call.
 */
import http from 'node:http';
import https from 'node:https';
import { AbortError, ConnectionClosedError, UsageError } from '../errors.js';
import { peerCertificate } from './peer-certificate.js';
import type {
  Exchange,
  ExchangeResponse,
  IncomingExchange,
  Listener,
  ListenOptions,
  TransportModule,
} from './transport.js';

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
    throw new UsageError(`cannot parse '${url}' (expected http://HOST:PORT/PATH)`);
  }
  const secure = parsed.protocol === 'https:';
  if (!secure && parsed.protocol !== 'http:') throw new UsageError(`not an http URL: '${url}'`);
  const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port);
  return {
    secure,
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    path: parsed.pathname || '/',
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Reads a request body up to `max` bytes; resolves undefined when it is over (the caller answers 413). */
function readBody(request: http.IncomingMessage, max: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    if (declared > max) {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        request.removeAllListeners('data');
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks, size))));
    request.on('error', reject);
  });
}

function send(response: http.ServerResponse, answer: ExchangeResponse): void {
  response.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
  response.end(answer.body);
}

function plain(
  response: http.ServerResponse,
  status: number,
  message: string,
  close = false,
): void {
  const body = Buffer.from(`farcall: ${message}\n`);
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
  };
  if (close) headers.connection = 'close';
  response.writeHead(status, headers);
  response.end(body);
}

function listen(url: string, options: ListenOptions): Promise<Listener> {
  const target = parse(url);
  const onExchange = options.handlers.exchange;
  if (!onExchange) throw new Error('farcall: http listeners carry exchanges');
  const tls = options.transport.tls as https.ServerOptions | undefined;
  if (target.secure && !tls?.key && !tls?.pfx) {
    throw new UsageError('an https:// address needs the tls option with a key and cert');
  }
  const handle = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0]!;
    if (path !== target.path) return plain(response, 404, `no farcall endpoint at ${path}`);
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      return plain(response, 405, 'farcall endpoints take POST requests');
    }
    const body = await readBody(request, options.maxFrameBytes);
    if (body === undefined) {
      return plain(
        response,
        413,
        `the body is over the limit of ${options.maxFrameBytes} bytes (limits.maxFrameBytes)`,
        true,
      );
    }
    const abort = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished)
        abort.abort(new ConnectionClosedError('the client went away'));
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    const socket = request.socket;
    const incoming: IncomingExchange = {
      path,
      body,
      contentType: headers['content-type'] ?? '',
      headers,
      peer: `${socket.remoteAddress}:${socket.remotePort}`,
      get certificate() {
        return peerCertificate(socket);
      },
      signal: abort.signal,
      connection: socket,
    };
    send(response, await onExchange(incoming));
  };
  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    handle(request, response).catch((error: Error) => {
      options.warn(`HTTP request failed: ${error.message}`);
      if (!response.headersSent) plain(response, 500, 'internal error');
      else response.destroy();
    });
  };
  const server = target.secure ? https.createServer(tls!, onRequest) : http.createServer(onRequest);
  // A client that trickles its headers is cut off at the handshake deadline.
  server.headersTimeout = options.handshakeTimeoutMs;
  server.requestTimeout = Math.max(options.handshakeTimeoutMs, 60_000);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target.port, target.host, () => {
      server.off('error', reject);
      server.on('error', (error) => options.warn(`HTTP server error: ${error.message}`));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : target.port;
      const host = target.host.includes(':') ? `[${target.host}]` : target.host;
      resolve({
        url: `${target.secure ? 'https' : 'http'}://${host}:${port}${target.path}`,
        loopback: isLoopback(target.host),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function dial(url: string, transport: Readonly<Record<string, unknown>>): Exchange {
  const target = parse(url);
  const tls = (transport.tls ?? {}) as https.AgentOptions;
  const agent = target.secure
    ? new https.Agent({ keepAlive: true, ...tls })
    : new http.Agent({ keepAlive: true });
  const module = target.secure ? https : http;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return {
    peer: `${host}:${target.port}`,
    path: target.path,
    request: (request) =>
      new Promise((resolve, reject) => {
        const outgoing = module.request(
          {
            host: target.host,
            port: target.port,
            path: target.path,
            method: 'POST',
            agent,
            headers: {
              ...request.headers,
              'content-type': request.contentType,
              'content-length': request.body.length,
            },
            signal: request.signal,
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              const headers: Record<string, string> = {};
              for (const [name, value] of Object.entries(response.headers)) {
                if (typeof value === 'string') headers[name] = value;
              }
              resolve({
                status: response.statusCode ?? 0,
                body: new Uint8Array(Buffer.concat(chunks)),
                headers,
              });
            });
            response.on('error', (error) =>
              reject(
                new ConnectionClosedError(`the response from ${url} failed: ${error.message}`, {
                  cause: error,
                }),
              ),
            );
          },
        );
        outgoing.on('error', (error) => {
          if (request.signal?.aborted)
            reject(new AbortError('the request was aborted', { cause: request.signal.reason }));
          else
            reject(
              new ConnectionClosedError(`cannot reach ${url}: ${error.message}`, { cause: error }),
            );
        });
        outgoing.end(request.body);
      }),
    close: async () => agent.destroy(),
  };
}

export const httpTransport: TransportModule = {
  shape: 'exchange',
  async dial(url, options) {
    return dial(url, options.transport);
  },
  listen,
};
