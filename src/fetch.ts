/**
 * `farcall/fetch`: a server for platforms that speak the Fetch API (Deno, Bun, Cloudflare
 * Workers, Node's own `Request`/`Response`): `fetchHandler(api, options)` returns a
 * `(request: Request) => Promise<Response>` that answers farcall calls over HTTP POST exactly as
 * an `http://` endpoint of `serve` does: the same batches, authkey proofs, limits, status codes
 * and CORS. It imports no Node module.
 *
 * ```ts
 * import { fetchHandler } from 'farcall/fetch';
 * const handle = fetchHandler(api, { authkey: Deno.env.get('KEY') });
 * Deno.serve((request) => handle(request));
 * ```
 */
import { keyBytes } from './authkey.js';
import { answerExchange, type ExchangeContext } from './exchange-answerer.js';
import { type Limits, MAX_TIMER_MS, resolveLimits } from './limits.js';
import { type Logger, resolveLogger } from './logger.js';
import type { ProtocolName } from './protocol/index.js';
import { nodeProtocols } from './protocol/node-protocols.js';
import { Registry } from './registry.js';
import {
  corsHeaders,
  judgeOrigin,
  originSet,
  preflightHeaders,
  refusedOrigin,
} from './transport/cors.js';
import type { ExchangeResponse, IncomingExchange } from './transport/transport.js';

export interface FetchHandlerOptions {
  /** Shared key: every request must carry a proof of it (`docs/protocol.md`, HTTP). */
  authkey?: string | Uint8Array | undefined;
  /** Wire protocol, default `'farcall'`; it must run over HTTP. */
  protocol?: ProtocolName | undefined;
  /** Answer only at this path (`/rpc`); other paths get 404. Default: every path. */
  path?: string | undefined;
  /** Web pages that may call from a browser, by origin, as `serve`'s `origins`. */
  origins?: readonly string[] | undefined;
  /** Overrides of `DEFAULT_LIMITS` (`maxFrameBytes`, `requestTimeoutMs`, `maxInFlight` …). */
  limits?: Partial<Limits> | undefined;
  /** Send thrown errors' stacks to callers (off: stacks can leak paths and code). */
  exposeStack?: boolean | undefined;
  /** Accept shared references and cycles in values (the client must turn them on too). */
  references?: boolean | undefined;
  logger?: Logger | false | undefined;
}

/**
 * Makes a Fetch-API handler that serves the functions of `api`. The handler never rejects: a bad
 * request gets its status (400, 401, 403, 404, 405, 408, 413, 415) with a `farcall:` message,
 * and a failure of the handler itself a 500. All requests to one handler count as one
 * connection for `limits.maxInFlight` (the Fetch API shows no connections), which is also what
 * lets a cancel sent in one request reach a call running in another. Throws `UsageError` at once
 * for a bad option; an unknown protocol rejects the first request's answer with 500 and a log line.
 */
export function fetchHandler(
  api: object,
  options: FetchHandlerOptions = {},
): (request: Request) => Promise<Response> {
  const registry = new Registry(api);
  const limits = resolveLimits(options.limits);
  const logger = resolveLogger(options.logger);
  const authkey = keyBytes(options.authkey);
  const origins = originSet(options.origins);
  const connection = {};
  const context: Promise<ExchangeContext> = nodeProtocols
    .load(options.protocol)
    .then((protocol) => ({
      protocol,
      protocolOptions: {
        role: 'server' as const,
        limits,
        authkey,
        references: options.references === true,
        answers: true,
        python: undefined,
      },
      responder: { registry, limits, logger, exposeStack: options.exposeStack === true },
      limits,
      logger,
      authkey,
    }));
  context.catch(() => {});

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (options.path !== undefined && url.pathname !== options.path) {
      return text(404, `no farcall endpoint at ${url.pathname}`);
    }
    const origin = request.headers.get('origin') ?? undefined;
    const verdict = judgeOrigin(origin, request.headers.get('host') ?? url.host, origins);
    if (request.method === 'OPTIONS') {
      if (verdict === 'allowed' || verdict === 'same') {
        return new Response(null, { status: 204, headers: preflightHeaders(origin!) });
      }
      return text(
        403,
        verdict === 'none' ? 'OPTIONS is for CORS preflights' : refusedOrigin(origin!),
      );
    }
    if (request.method !== 'POST') {
      return text(405, 'farcall endpoints take POST requests', { allow: 'POST' });
    }
    if (verdict === 'refused') {
      logger.warn(`refused a request: ${refusedOrigin(origin!)}`);
      return text(403, refusedOrigin(origin!));
    }
    const cors = verdict === 'allowed' ? corsHeaders(origin!) : {};
    const body = await readBody(request, limits.maxFrameBytes, limits.requestTimeoutMs);
    if (body === 'large') {
      const message = `the body is over the limit of ${limits.maxFrameBytes} bytes (limits.maxFrameBytes)`;
      logger.warn(`refused a request: ${message}`);
      return text(413, message, cors);
    }
    if (body === 'slow') {
      const message = `the request did not arrive whole within ${limits.requestTimeoutMs} ms (limits.requestTimeoutMs)`;
      logger.warn(`refused a request: ${message}`);
      return text(408, message, cors);
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const incoming: IncomingExchange = {
      path: url.pathname,
      body,
      contentType: headers['content-type'] ?? '',
      headers,
      peer: headers['x-forwarded-for']?.split(',')[0]?.trim() || 'a fetch client',
      signal: request.signal,
      connection,
    };
    return toResponse(await answerExchange(incoming, await context), cors);
  };

  return (request) =>
    handle(request).catch((error: Error) => {
      logger.warn(`HTTP request failed: ${error.message}`);
      return text(500, 'internal error');
    });
}

function toResponse(answer: ExchangeResponse, extra: Record<string, string>): Response {
  const body = answer.body.length === 0 ? null : (answer.body as Uint8Array<ArrayBuffer>);
  return new Response(body, { status: answer.status, headers: { ...answer.headers, ...extra } });
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`farcall: ${message}\n`, {
    status,
    headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' },
  });
}

/**
 * Reads a body up to `max` bytes within `deadlineMs`: the body, `'large'` as soon as it is over
 * (from Content-Length, or as it streams: the rest is never read), or `'slow'` past the deadline.
 */
async function readBody(
  request: Request,
  max: number,
  deadlineMs: number,
): Promise<Uint8Array | 'large' | 'slow'> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > max) return 'large';
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'slow'>((resolve) => {
    timer = setTimeout(() => resolve('slow'), Math.min(deadlineMs, MAX_TIMER_MS));
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === 'slow' || next.done) {
        if (next === 'slow') {
          void reader.cancel().catch(() => {});
          return 'slow';
        }
        break;
      }
      size += next.value.length;
      if (size > max) {
        void reader.cancel().catch(() => {});
        return 'large';
      }
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}
