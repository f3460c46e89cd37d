import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { keyBytes } from './authkey.js';
import { UsageError } from './errors.js';
import { answerExchange } from './exchange-answerer.js';
import { interceptorList, type ServerInterceptor, type Use } from './interceptors.js';
import { type Limits, resolveLimits } from './limits.js';
import { type Logger, resolveLogger } from './logger.js';
import type { ProtocolName } from './protocol/index.js';
import { nodeProtocols } from './protocol/node-protocols.js';
import type { PythonOptions } from './protocol/python/index.js';
import { makeProxy } from './proxy.js';
import { Registry } from './registry.js';
import type { ResponderConfig } from './responder.js';
import { Session } from './session.js';
import type { ConnectionStats } from './streams/stats.js';
import type { ServerTlsOptions } from './transport/net.js';
import { nodeSchemes } from './transport/node-schemes.js';
import type { SchemeTable } from './transport/schemes.js';
import type { Channel, ExchangeResponse, Listener, ListenOptions } from './transport/transport.js';

export interface ServeOptions {
  /**
   * One address URL or several: `tcp://HOST:PORT`, `tls://HOST:PORT`, `unix:/PATH`,
   * `ws://HOST:PORT/PATH`, `http://HOST:PORT/PATH`, `memory://NAME`, `zmq+tcp://HOST:PORT`
   * (`zmq+tcp://HOST:PORT?connect` to connect to a ZeroMQ device instead of binding).
   */
  listen: string | string[];
  /** Shared key: every client must prove it knows it before its first call. */
  authkey?: string | Uint8Array | undefined;
  /** Wire protocol, default `'farcall'`. */
  protocol?: ProtocolName | undefined;
  /** For `tls://`, `wss://`, `https://`: `key` and `cert`; `ca` with `requestCert: true` requires client certificates. */
  tls?: ServerTlsOptions | undefined;
  /** Overrides of `DEFAULT_LIMITS`. */
  limits?: Partial<Limits> | undefined;
  /** Send thrown errors' stacks to callers (off: stacks can leak paths and code). */
  exposeStack?: boolean | undefined;
  /**
   * Accept shared references and cycles in values (both ends must turn it on; default off, so
   * a peer cannot send a graph whose tree is exponentially larger than its bytes).
   */
  references?: boolean | undefined;
  logger?: Logger | false | undefined;
  /** Options of the Python protocol: `pickleProtocol`, `allowMd5`. */
  python?: PythonOptions | undefined;
  /**
   * Web pages that may call the `http://` and `ws://` endpoints from a browser, by origin
   * (`['https://app.example']`): their CORS preflights are answered and their upgrades taken.
   * Default none: a page from any other site is refused (403), because a browser would otherwise
   * let every site a user visits call this server. Pages the server serves itself (the
   * playground) and clients that are not browsers are not affected.
   */
  origins?: readonly string[] | undefined;
  /**
   * A `node:http` or `node:https` server of yours to carry the `http://` and `ws://` endpoints
   * (`https://` and `wss://` on an https server), instead of binding their own: only their
   * paths are routed (the host and port of those URLs are ignored; `urls` shows the server's
   * own), everything else goes to the handlers the server had when `serve` was called.
   * `close()` takes farcall's routes off and gives the server back; it never closes it.
   */
  httpServer?: HttpServer | HttpsServer | undefined;
  /**
   * Serve the playground, a page to try the api from a browser, at the path of each `http://`
   * (or `https://`) address: a GET there gets the page, a POST is a call as always.
   */
  ui?: boolean | undefined;
  /** Options of the transports, passed through to every listener (`batch`, …). */
  transport?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Interceptors around every call and notification this server answers, on every address and
   * protocol, outermost first (`ServerInterceptor`): to reject, time, log or enrich calls.
   */
  use?: Use<ServerInterceptor>;
  /**
   * A module whose exported functions run in a worker pool (`workerPool`): each call is
   * answered by the least loaded of `workers` threads, beside `api`'s own functions, which run
   * here (a name in both is a `UsageError`). A path, relative to the working directory, or a
   * `file:` URL. `close()` ends the pool's threads too.
   */
  module?: string | URL | undefined;
  /** Threads of the pool that runs `module` (default: `os.availableParallelism()`). */
  workers?: number | undefined;
}

export interface Server {
  /** The bound addresses, port 0 resolved: `['tcp://127.0.0.1:41234']`. */
  readonly urls: string[];
  /** The first of `urls`. */
  readonly url: string;
  /** Connections open now (past their opening). */
  readonly connections: number;
  /**
   * Each open connection's calls, streams and references now (see `stats(remote)`), so a leak
   * shows as a count that does not go back to zero. HTTP requests hold none between requests.
   */
  stats(): ConnectionStats[];
  /**
   * Stops accepting, lets calls in flight finish for up to `drainMs` (default 5000), answers new
   * calls meanwhile with `UNAVAILABLE`, then closes every connection. It resolves within
   * `drainMs` and a moment, whatever the peers do. Idempotent.
   */
  close(drainMs?: number): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Serves the functions of `api` (nested objects are namespaces) on every `listen` address.
 * Resolves once all addresses are bound; rejects with the bind error (and closes whatever was
 * bound) otherwise. Each connection gets its own session: many clients at once, many calls in
 * flight per connection. A client that fails the opening, sends a malformed frame or breaks a
 * limit loses its connection, with a log line saying why; everyone else is served on.
 *
 * Connections are bounded: at most `limits.maxConnections` at once (more are closed at once), of
 * which at most `limits.maxHandshakes` in their opening (past it the oldest opening is closed).
 */
export function serve(api: object, options: ServeOptions): Promise<Server> {
  return serveWith(nodeSchemes, api, options);
}

/** `serve` over another table of transports: what `serveWorker` and `serveParent` use. */
export async function serveWith(
  schemes: SchemeTable,
  api: object,
  options: ServeOptions,
): Promise<Server> {
  const protocol = await nodeProtocols.load(options.protocol);
  const limits = resolveLimits(options.limits);
  const logger = resolveLogger(options.logger);
  const authkey = keyBytes(options.authkey);
  const urls = Array.isArray(options.listen) ? options.listen : [options.listen];
  if (urls.length === 0) throw new UsageError('serve needs at least one listen address');
  const interceptors = interceptorList(options.use, 'serve');
  // With `module`, a worker pool answers the module's functions (loaded only then).
  const pool =
    options.module === undefined && options.workers === undefined
      ? undefined
      : await (await import('./pool/serve-pool.js')).servePool(api, options);
  let registry: Registry;
  try {
    registry = new Registry(pool?.api ?? api);
  } catch (error) {
    await pool?.close();
    throw error;
  }
  const responder: ResponderConfig = {
    registry,
    limits,
    logger,
    exposeStack: options.exposeStack === true,
    interceptors,
  };
  const protocolOptions = {
    role: 'server' as const,
    limits,
    authkey,
    references: options.references === true,
    answers: true,
    python: options.python,
  };
  const sessions = new Set<Session>();
  /**
   * Connections in their opening, oldest first (a Set keeps insertion order): sessions in their
   * hello and authkey exchange, and connections still in their TLS handshake.
   */
  const opening = new Set<{ close(): unknown }>();
  /** Makes room for one more opening: the one that has waited longest goes. */
  const makeRoom = () => {
    if (opening.size < limits.maxHandshakes) return;
    const oldest = opening.values().next().value!;
    opening.delete(oldest);
    void oldest.close();
  };
  let refused = 0;
  let closing: Promise<void> | undefined;

  const accept = (channel: Channel, url: string): Promise<void> | undefined => {
    if (closing) {
      void channel.close();
      return;
    }
    if (sessions.size + opening.size >= limits.maxConnections) {
      // The first refusal, then every 1024th: a flood must not flood the log too.
      if ((++refused & 1023) === 1) {
        logger.warn(
          `refused ${refused} connection(s), the latest from ${channel.peer}: ${limits.maxConnections} are open (limits.maxConnections)`,
        );
      }
      void channel.close();
      return;
    }
    makeRoom();
    const session = new Session(channel, {
      protocol,
      protocolOptions,
      limits,
      logger,
      responder,
      url,
      proxy: (caller) => makeProxy(caller, '', undefined),
    });
    opening.add(session);
    void session.opened.then(
      () => {
        opening.delete(session);
        if (closing) {
          void session.close();
          return;
        }
        sessions.add(session);
        session.onClose(() => sessions.delete(session));
      },
      (error: Error) => {
        if (!opening.delete(session)) return; // evicted: its log line was the eviction
        logger.warn(`closing connection from ${session.peer}: ${openingFailure(error)}`);
      },
    );
    return session.opened;
  };

  // One context for every exchange of this server: the answerer keeps its codecs, its verifier
  // and a responder per underlying connection under it, so it must be the same object each time.
  const exchangeContext = { protocol, protocolOptions, responder, limits, logger, authkey };
  const listeners: Listener[] = [];
  /** What the listeners of this serve share: the HTTP servers of their ports. */
  const shared = new Map<unknown, unknown>();
  const transport = {
    tls: options.tls,
    origins: options.origins,
    server: options.httpServer,
    ...options.transport,
  };
  try {
    for (const url of urls) {
      const module = await schemes.transportFor(url);
      if (!module.listen) throw new UsageError(`cannot listen on '${url}'`);
      module.prepare?.({ url, role: 'server', protocol: protocol.name, authkey: !!authkey });
      const refusal = protocol.refuses?.(module.shapeOf?.(url) ?? module.shape, protocolOptions);
      if (refusal) throw new UsageError(`cannot serve '${url}': ${refusal}`);
      const listenOptions: ListenOptions = {
        handlers: {
          channel: (channel) => accept(channel, url),
          pending: (connection) => {
            if (closing) {
              connection.abort();
              return;
            }
            makeRoom();
            const entry = { close: () => connection.abort() };
            opening.add(entry);
            connection.settled = () => opening.delete(entry);
          },
          exchange: (request) => answerExchange(request, exchangeContext),
          ...(options.ui ? { page: playgroundFor(url, socketBeside(url, urls)) } : {}),
        },
        transport,
        maxFrameBytes: limits.maxFrameBytes,
        maxPendingWriteBytes: limits.maxPendingWriteBytes,
        handshakeTimeoutMs: limits.handshakeTimeoutMs,
        requestTimeoutMs: limits.requestTimeoutMs,
        shared,
        warn: (message) => logger.warn(message),
        opens: protocol.opens,
        methods: () => registry.describe(),
      };
      listeners.push(await module.listen(url, listenOptions));
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    await pool?.close();
    throw error;
  }
  for (const listener of listeners) {
    if (!authkey && !listener.loopback) {
      logger.warn(
        `WARNING: serving ${listener.url} without an authkey: anyone who can reach it can call every function`,
      );
    }
  }

  const close = (drainMs = 5000): Promise<void> => {
    closing ??= (async () => {
      const stopped = Promise.all(listeners.map((l) => l.close(drainMs)));
      for (const session of opening) void session.close();
      opening.clear();
      await Promise.all([...sessions].map((s) => s.close(drainMs)));
      await stopped;
      await pool?.close();
    })();
    return closing;
  };
  return {
    urls: listeners.map((l) => l.url),
    url: listeners[0]!.url,
    get connections() {
      return sessions.size;
    },
    stats: () => [...sessions].map((session) => session.stats()),
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}

/** The playground's files for the endpoint at `url`, loaded (from `dist/`) on first use. */
function playgroundFor(
  url: string,
  socket: boolean,
): (name: string) => Promise<ExchangeResponse | undefined> {
  const path = new URL(url).pathname || '/';
  return async (name) =>
    (await import('./playground/assets.js')).playgroundFile(path, name, socket);
}

/**
 * Whether `urls` also listens for WebSocket on the HTTP endpoint `url`'s host, port and path
 * (`ws://` beside `http://`, `wss://` beside `https://`): the playground then calls over it, so
 * that a stream's items show as they arrive (one POST per call cannot carry a stream).
 */
function socketBeside(url: string, urls: readonly string[]): boolean {
  const http = new URL(url);
  const scheme = http.protocol === 'https:' ? 'wss:' : 'ws:';
  return urls.some((other) => {
    const ws = URL.canParse(other) ? new URL(other) : undefined;
    return (
      ws?.protocol === scheme &&
      ws.host === http.host &&
      (ws.pathname || '/') === (http.pathname || '/')
    );
  });
}

function openingFailure(error: Error): string {
  const what = error.name === 'AuthenticationError' ? 'authentication failed' : 'handshake failed';
  return `${what}: ${error.message}`;
}
