/**
 * The `node:http(s)` server under the `http://` and `ws://` endpoints of one `serve`: one server
 * per host and port, shared by every endpoint on it (`http://127.0.0.1:8080/rpc` and
 * `ws://127.0.0.1:8080/ws` bind one port), or the user's own server, attached to.
 *
 * Requests are routed by path to the endpoint that mounted it, upgrades by path to WebSocket
 * endpoints; one path may carry both (POST to HTTP, upgrade to WebSocket). On a server of our own,
 * anything else is a 404. On an attached server, anything else goes to the handlers the user had
 * when the first endpoint mounted (they are taken off the server and called for the paths that
 * are not farcall's), and unmounting the last endpoint puts them back: farcall never closes a
 * server it did not create. Handlers the user adds after mounting see every request.
 *
 * Port 0 within one `serve` means one free port for all its endpoints on that host, so a test
 * can ask for HTTP and WebSocket on one port without knowing it in advance.
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { UsageError } from '../errors.js';
import type { ListenOptions } from './transport.js';

export type RequestRoute = (request: http.IncomingMessage, response: http.ServerResponse) => void;
export type UpgradeRoute = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface HttpTarget {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

/** What a mounted endpoint knows of its host. */
export interface Mounted {
  /** The bound port (port 0 resolved; the attached server's own port). */
  readonly port: number;
  /** The host to print in URLs (the attached server's address when it has one). */
  readonly host: string;
  /** Takes the endpoint's routes off; the last one off closes (or detaches from) the server. */
  unmount(): Promise<void>;
}

type Listener = (...args: unknown[]) => void;

/** Below an HTTP endpoint's path, where its page's files are (`/rpc/_farcall/page.js`). */
export const ASSETS = '/_farcall/';

/** The path of a file of the endpoint at `path`. */
export function assetPath(path: string, name: string): string {
  return `${path.replace(/\/$/, '')}${ASSETS}${name}`;
}

class Host {
  readonly requests = new Map<string, RequestRoute>();
  readonly upgrades = new Map<string, UpgradeRoute>();
  /** The user's own listeners on an attached server, called for paths that are not ours. */
  private saved: { request: Listener[]; upgrade: Listener[] } | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly server: http.Server,
    readonly secure: boolean,
    readonly own: boolean,
  ) {
    if (!own) {
      const take = (event: 'request' | 'upgrade') => {
        const listeners = server.listeners(event) as Listener[];
        server.removeAllListeners(event);
        return listeners;
      };
      this.saved = { request: take('request'), upgrade: take('upgrade') };
    }
    server.on('request', this.onRequest);
    server.on('upgrade', this.onUpgrade);
  }

  /** The route for a path: its own, or its endpoint's for `PATH/_farcall/NAME` (page assets). */
  private requestRoute(path: string): RequestRoute | undefined {
    const exact = this.requests.get(path);
    if (exact) return exact;
    const at = path.lastIndexOf(ASSETS);
    if (at < 0 || path.indexOf('/', at + ASSETS.length) >= 0) return undefined;
    const base = path.slice(0, at);
    return this.requests.get(base || '/') ?? this.requests.get(`${base}/`);
  }

  private readonly onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const route = this.requestRoute(pathOf(request));
    if (route) return route(request, response);
    if (this.saved) {
      for (const listener of this.saved.request) listener.call(this.server, request, response);
      return;
    }
    const upgrade = this.upgrades.has(pathOf(request));
    const body = upgrade
      ? 'farcall: this endpoint speaks WebSocket\n'
      : `farcall: no farcall endpoint at ${pathOf(request)}\n`;
    response.writeHead(upgrade ? 426 : 404, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...(upgrade ? { upgrade: 'websocket', connection: 'upgrade' } : {}),
    });
    response.end(body);
  };

  private readonly onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const route = this.upgrades.get(pathOf(request));
    if (route) return route(request, socket, head);
    if (this.saved && this.saved.upgrade.length > 0) {
      for (const listener of this.saved.upgrade) listener.call(this.server, request, socket, head);
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  };

  get empty(): boolean {
    return this.requests.size === 0 && this.upgrades.size === 0;
  }

  /** Closes our own server, or gives an attached one its listeners back. */
  release(): Promise<void> {
    this.closing ??= new Promise<void>((done) => {
      this.server.off('request', this.onRequest);
      this.server.off('upgrade', this.onUpgrade);
      if (this.saved) {
        for (const listener of this.saved.request) this.server.on('request', listener);
        for (const listener of this.saved.upgrade) this.server.on('upgrade', listener);
        done();
        return;
      }
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
    return this.closing;
  }
}

export function pathOf(request: http.IncomingMessage): string {
  let url = request.url ?? '/';
  // An absolute-form request target (`POST http://host/rpc`), as proxies send.
  if (!url.startsWith('/')) url = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** The user's server to attach to, from the transport options (`serve`'s `httpServer`). */
function attachedServer(options: ListenOptions): http.Server | undefined {
  const server = options.transport.server;
  if (server === undefined || server === null) return undefined;
  if (!(server instanceof http.Server) && !(server instanceof https.Server)) {
    throw new UsageError('httpServer must be a node:http or node:https server');
  }
  return server as http.Server;
}

/** A `serve`'s hosts, in the map its listeners share (`ListenOptions.shared`). */
function hostsOf(options: ListenOptions): Map<unknown, Promise<Host>> {
  const key = 'farcall:http-hosts';
  let hosts = options.shared.get(key) as Map<unknown, Promise<Host>> | undefined;
  if (!hosts) {
    hosts = new Map();
    options.shared.set(key, hosts);
  }
  return hosts;
}

function createOwn(target: HttpTarget, options: ListenOptions): Promise<Host> {
  const tls = options.transport.tls as https.ServerOptions | undefined;
  if (target.secure && !tls?.key && !tls?.pfx) {
    throw new UsageError('an https:// or wss:// address needs the tls option with a key and cert');
  }
  // A client that trickles its headers (an upgrade it never completes, a request it never ends)
  // is cut off at the handshake deadline; Node checks it every `connectionsCheckingInterval`.
  const serverOptions: http.ServerOptions = {
    headersTimeout: options.handshakeTimeoutMs,
    requestTimeout: Math.max(options.handshakeTimeoutMs, options.requestTimeoutMs) + 1000,
    connectionsCheckingInterval: Math.max(50, Math.min(options.handshakeTimeoutMs / 4, 10_000)),
  };
  const server = target.secure
    ? https.createServer({ ...tls, ...serverOptions })
    : http.createServer(serverOptions);
  const host = new Host(server, target.secure, true);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(target.port, target.host, () => {
      server.off('error', reject);
      server.on('error', (error) => options.warn(`HTTP server error: ${error.message}`));
      resolve(host);
    });
  });
}

/**
 * Mounts an endpoint's routes on the server for `target` (created and bound on first use), or on
 * the attached server. Rejects with the bind error, or `UsageError` when the path is taken or
 * HTTP and HTTPS would share one port.
 */
export async function mount(
  target: HttpTarget,
  routes: { request?: RequestRoute; upgrade?: UpgradeRoute },
  options: ListenOptions,
): Promise<Mounted> {
  const attached = attachedServer(options);
  const hosts = hostsOf(options);
  const key = attached ?? `${target.host}:${target.port}`;
  let pending = hosts.get(key);
  if (!pending) {
    pending = attached
      ? Promise.resolve(new Host(attached, attached instanceof https.Server, false))
      : createOwn(target, options);
    hosts.set(key, pending);
    pending.catch(() => hosts.delete(key));
  }
  const host = await pending;
  if (host.secure !== target.secure) {
    throw new UsageError(
      `${target.secure ? 'https/wss' : 'http/ws'} and ${host.secure ? 'https/wss' : 'http/ws'} endpoints cannot share ${attached ? 'one server' : `port ${target.port}`}`,
    );
  }
  if (routes.request && host.requests.has(target.path))
    throw new UsageError(`two HTTP endpoints at ${target.path}`);
  if (routes.upgrade && host.upgrades.has(target.path))
    throw new UsageError(`two WebSocket endpoints at ${target.path}`);
  if (routes.request) host.requests.set(target.path, routes.request);
  if (routes.upgrade) host.upgrades.set(target.path, routes.upgrade);
  // Port 0 asked for within this serve: later endpoints on it share the port bound now.
  const address = host.server.address();
  const port = typeof address === 'object' && address ? address.port : target.port;
  if (!attached && target.port === 0) hosts.set(`${target.host}:${port}`, pending);
  const boundHost =
    attached && typeof address === 'object' && address ? address.address : target.host;
  return {
    port,
    host: boundHost === '::' || boundHost === '0.0.0.0' ? target.host : boundHost,
    unmount: async () => {
      if (routes.request && host.requests.get(target.path) === routes.request)
        host.requests.delete(target.path);
      if (routes.upgrade && host.upgrades.get(target.path) === routes.upgrade)
        host.upgrades.delete(target.path);
      if (!host.empty) return;
      for (const [k, v] of hosts) if (v === pending) hosts.delete(k);
      await host.release();
    },
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** `host` as it goes in a URL: IPv6 in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
