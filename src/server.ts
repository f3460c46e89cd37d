import type { Socket } from 'node:net';
import { keyBytes } from './client.js';
import { AuthenticationError, UsageError } from './errors.js';
import { type Limits, resolveLimits } from './limits.js';
import { type Logger, resolveLogger } from './logger.js';
import { loadProtocol, type ProtocolName } from './protocol/index.js';
import type { Protocol } from './protocol/protocol.js';
import type { PythonOptions } from './protocol/python/index.js';
import { Registry } from './registry.js';
import { Session } from './session.js';
import { type Listener, listen, type ServerTlsOptions } from './transport/net.js';
import { SocketTransport } from './transport/socket.js';
import { formatAddress, isLoopback, parseAddress } from './url.js';

export interface ServeOptions {
  /** One address URL or several: `tcp://HOST:PORT`, `tls://HOST:PORT`, `unix:/PATH`. */
  listen: string | string[];
  /** Shared key: every client must prove it knows it before its first call. */
  authkey?: string | Uint8Array | undefined;
  /** Wire protocol, default `'farcall'`. */
  protocol?: ProtocolName | undefined;
  /** For `tls://`: `key` and `cert`; `ca` with `requestCert: true` requires client certificates. */
  tls?: ServerTlsOptions | undefined;
  /** Overrides of `DEFAULT_LIMITS`. */
  limits?: Partial<Limits> | undefined;
  /** Send thrown errors' stacks to callers (off: stacks can leak paths and code). */
  exposeStack?: boolean | undefined;
  logger?: Logger | false | undefined;
  /** Options of the Python protocol: `pickleProtocol`, `allowMd5`. */
  python?: PythonOptions | undefined;
}

export interface Server {
  /** The bound addresses, port 0 resolved: `['tcp://127.0.0.1:41234']`. */
  readonly urls: string[];
  /** Connections open now. */
  readonly connections: number;
  /**
   * Stops accepting, lets calls in flight finish for up to `drainMs` (default 5000), answers
   * new calls meanwhile with `UNAVAILABLE`, then closes every connection. Idempotent.
   */
  close(drainMs?: number): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Serves the functions of `api` (nested objects are namespaces) on every `listen` address.
 * Resolves once all addresses are bound; rejects with the bind error (and closes whatever was
 * bound) otherwise. Each connection gets its own session: many clients at once, many calls in
 * flight per connection. A client that fails the handshake, sends a malformed frame or breaks
 * a limit loses its connection, with a log line saying why; everyone else is served on.
 */
export async function serve(api: object, options: ServeOptions): Promise<Server> {
  const registry = new Registry(api);
  const protocol = await loadProtocol(options.protocol);
  const limits = resolveLimits(options.limits);
  const logger = resolveLogger(options.logger);
  const authkey = keyBytes(options.authkey);
  const addresses = (Array.isArray(options.listen) ? options.listen : [options.listen]).map(
    parseAddress,
  );
  if (addresses.length === 0) throw new UsageError('serve needs at least one listen address');
  const sessions = new Set<Session>();
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;

  const accept = (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    void openSession(socket, protocol, { limits, logger, authkey, registry, options }).then(
      (session) => {
        if (!session) return;
        if (closing) {
          void session.close();
          return;
        }
        sessions.add(session);
        session.onClose(() => sessions.delete(session));
      },
    );
  };

  const listeners: Listener[] = [];
  try {
    const onTlsError = (error: Error, socket: Socket) =>
      logger.warn(
        `TLS handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${error.message}`,
      );
    for (const address of addresses) {
      listeners.push(await listen(address, options.tls, accept, onTlsError));
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    throw error;
  }
  for (const listener of listeners) {
    if (!authkey && !isLoopback(listener.address)) {
      logger.warn(
        `WARNING: serving ${formatAddress(listener.address)} without an authkey: anyone who can reach it can call every function`,
      );
    }
  }

  const close = (drainMs = 5000): Promise<void> => {
    closing ??= (async () => {
      // Stop accepting now; a listener's close only completes once its connections are gone.
      const stopped = Promise.all(listeners.map((l) => l.close()));
      await Promise.all([...sessions].map((s) => s.close(drainMs)));
      // Answers are flushed by now; a peer that keeps its half of the socket open, or one still
      // in its handshake, must not hold the server up.
      for (const socket of sockets) socket.destroy();
      await stopped;
    })();
    return closing;
  };
  return {
    urls: listeners.map((l) => formatAddress(l.address)),
    get connections() {
      return sessions.size;
    },
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}

interface OpenContext {
  limits: Limits;
  logger: Logger;
  authkey: Uint8Array | undefined;
  registry: Registry;
  options: ServeOptions;
}

/**
 * Runs the protocol's opening; resolves undefined when it failed. The deadline is the
 * protocol's own (`Protocol.open` rejects past `limits.handshakeTimeoutMs`).
 */
async function openSession(socket: Socket, protocol: Protocol, context: OpenContext) {
  const { limits, logger, authkey, registry, options } = context;
  const transport = new SocketTransport(socket, limits);
  try {
    const connection = await protocol.open(transport, {
      role: 'server',
      limits,
      authkey,
      python: options.python,
    });
    return new Session(transport, connection, {
      limits,
      logger,
      registry,
      exposeStack: options.exposeStack,
    });
  } catch (error) {
    const what =
      error instanceof AuthenticationError ? 'authentication failed' : 'handshake failed';
    logger.warn(`closing connection from ${transport.peer}: ${what}: ${(error as Error).message}`);
    // After an authentication failure, end gracefully so the refusal reaches the client.
    transport.close(error instanceof AuthenticationError ? undefined : (error as Error));
    return undefined;
  }
}
