/**
 * `http://HOST:PORT/PATH` and `https://…`: an exchange transport. Each request is a POST of one
 * body to PATH; its response is the answer. The server refuses a body over the frame limit with
 * 413 before reading it whole, a body that has not arrived by `limits.requestTimeoutMs` with
 * 408, a page origin it does not allow with 403 (`cors.ts`), anything but POST with 405 (a GET
 * gets the playground when there is one), and other paths with 404. The endpoint shares its
 * server with the others of its host and port (`http-host.ts`). Transport options: `tls` (Node's
 * TLS options, for https), `origins`, `server` (a user's server to attach to), and on the
 * client `batch: false` to send one request per call.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { AbortError, ConnectionClosedError, UsageError } from '../errors.js';
import { MAX_TIMER_MS } from '../limits.js';
import { corsHeaders, judgeOrigin, originSet, preflightHeaders, refusedOrigin } from './cors.js';
import { isLoopback, mount, pathOf, urlHost } from './http-host.js';
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

/**
 * Reads a request body up to `max` bytes within `deadlineMs`. Resolves the body, or why it was
 * not read: `'large'` (over `max`, from Content-Length or as it streams; the caller answers 413)
 * or `'slow'` (not whole by the deadline; 408). Rejects when the request fails.
 */
function readBody(
  request: http.IncomingMessage,
  max: number,
  deadlineMs: number,
): Promise<Uint8Array | 'large' | 'slow'> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    if (declared > max) {
      resolve('large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (outcome: 'large' | 'slow') => {
      clearTimeout(timer);
      request.removeAllListeners('data');
      request.pause();
      resolve(outcome);
    };
    const timer = setTimeout(() => stop('slow'), Math.min(deadlineMs, MAX_TIMER_MS));
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) return stop('large');
      chunks.push(chunk);
    });
    request.on('end', () => {
      clearTimeout(timer);
      resolve(new Uint8Array(Buffer.concat(chunks, size)));
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function send(
  response: http.ServerResponse,
  answer: ExchangeResponse,
  extra: Record<string, string> | undefined,
): void {
  response.writeHead(answer.status, {
    ...answer.headers,
    ...extra,
    'content-length': answer.body.length,
  });
  response.end(answer.body);
}

function plain(
  response: http.ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(`farcall: ${message}\n`);
  response.writeHead(status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
  });
  response.end(body);
}

const signals = new WeakMap<object, AbortSignal>();

/**
 * Aborts when the connection closes: a request still being answered then has no one to answer.
 * One per connection rather than per request (HTTP/1.1 answers one request of a connection at
 * a time), because an AbortController costs more than the rest of a small request's handling.
 */
function connectionSignal(socket: Socket): AbortSignal {
  let signal = signals.get(socket);
  if (!signal) {
    const abort = new AbortController();
    socket.once('close', () => abort.abort(new ConnectionClosedError('the client went away')));
    signal = abort.signal;
    signals.set(socket, signal);
  }
  return signal;
}

/** Answers an HTTP endpoint's requests: POSTs of calls, preflights, and GETs of its page. */
function endpoint(target: Target, options: ListenOptions) {
  const onExchange = options.handlers.exchange!;
  const onPage = options.handlers.page;
  const origins = originSet(options.transport.origins);
  const handle = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const path = pathOf(request);
    const socket = request.socket;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    if (path !== target.path) {
      // Below the path: a file of the endpoint's page.
      const name = path.slice(path.lastIndexOf('/') + 1);
      const page =
        request.method === 'GET' || request.method === 'HEAD' ? await onPage?.(name) : undefined;
      if (page) return send(response, page, undefined);
      return plain(response, 404, `no farcall endpoint at ${path}`);
    }
    const origin = request.headers.origin;
    const verdict = judgeOrigin(origin, request.headers.host, origins);
    if (request.method === 'OPTIONS') {
      if (verdict === 'allowed' || verdict === 'same') {
        response.writeHead(204, preflightHeaders(origin!));
        return response.end();
      }
      return plain(
        response,
        403,
        verdict === 'none' ? 'OPTIONS is for CORS preflights' : refusedOrigin(origin!),
      );
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      const page = await onPage?.('');
      if (page) return send(response, page, undefined);
    }
    if (request.method !== 'POST') {
      return plain(response, 405, 'farcall endpoints take POST requests', { allow: 'POST' });
    }
    if (verdict === 'refused') {
      options.warn(`refused a request from ${peer}: ${refusedOrigin(origin!)}`);
      return plain(response, 403, refusedOrigin(origin!));
    }
    const cors = verdict === 'allowed' ? corsHeaders(origin!) : undefined;
    const body = await readBody(request, options.maxFrameBytes, options.requestTimeoutMs);
    if (body === 'large') {
      const message = `the body is over the limit of ${options.maxFrameBytes} bytes (limits.maxFrameBytes)`;
      options.warn(`refused a request from ${peer}: ${message}`);
      return plain(response, 413, message, { ...cors, connection: 'close' });
    }
    if (body === 'slow') {
      const message = `the request did not arrive whole within ${options.requestTimeoutMs} ms (limits.requestTimeoutMs)`;
      options.warn(`closing a connection from ${peer}: ${message}`);
      plain(response, 408, message, { ...cors, connection: 'close' });
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    const incoming: IncomingExchange = {
      path,
      body,
      contentType: headers['content-type'] ?? '',
      headers,
      peer,
      get certificate() {
        return peerCertificate(socket);
      },
      signal: connectionSignal(socket),
      connection: socket,
    };
    send(response, await onExchange(incoming), cors);
  };
  return (request: http.IncomingMessage, response: http.ServerResponse) => {
    handle(request, response).catch((error: Error) => {
      options.warn(`HTTP request failed: ${error.message}`);
      if (!response.headersSent) plain(response, 500, 'internal error');
      else response.destroy();
    });
  };
}

async function listen(url: string, options: ListenOptions): Promise<Listener> {
  const target = parse(url);
  if (!options.handlers.exchange) throw new Error('farcall: http listeners carry exchanges');
  const mounted = await mount(target, { request: endpoint(target, options) }, options);
  return {
    url: `${target.secure ? 'https' : 'http'}://${urlHost(mounted.host)}:${mounted.port}${target.path}`,
    loopback: isLoopback(mounted.host),
    close: () => mounted.unmount(),
  };
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
              // A plain Uint8Array view of the bytes (not a Buffer, whose `slice` shares), uncopied.
              const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
              resolve({
                status: response.statusCode ?? 0,
                body: new Uint8Array(whole.buffer, whole.byteOffset, whole.length),
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
