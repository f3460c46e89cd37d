import { keyBytes } from './authkey.js';
import type { Caller } from './caller.js';
import { timeoutMs } from './deadlines.js';
import { AbortError, FarcallError, TimeoutError, UsageError } from './errors.js';
import { ExchangeCaller } from './exchange-caller.js';
import { InterceptingCaller } from './intercepting-caller.js';
import { type ClientInterceptor, interceptorList, type Use } from './interceptors.js';
import { type Limits, resolveLimits } from './limits.js';
import { type Logger, resolveLogger } from './logger.js';
import type { ProtocolName, ProtocolTable } from './protocol/index.js';
import type { PythonOptions } from './protocol/python/options.js';
import { makeProxy, type Remote } from './proxy.js';
import { Registry } from './registry.js';
import { Session } from './session.js';
import type { SchemeTable } from './transport/schemes.js';
import type { Channel, Exchange } from './transport/transport.js';

export type { CallOptions } from './caller.js';

export interface ConnectOptions {
  /** Shared key: the client proves it knows it, and requires the server to prove it back. */
  authkey?: string | Uint8Array | undefined;
  /** Wire protocol, default `'farcall'`. */
  protocol?: ProtocolName | undefined;
  /** Default per-call timeout in ms (0: none). Override per call with `withOptions`. */
  timeout?: number | undefined;
  /**
   * Time to connect and finish the opening, in ms. By default the connection must be made
   * within `limits.handshakeTimeoutMs`, and the opening then done within as much again: a host
   * that never answers fails `connect` with `TimeoutError`, not when the OS gives up.
   */
  connectTimeout?: number | undefined;
  /** Aborts connecting (`AbortError`); once connected, it has no effect (use `close`). */
  signal?: AbortSignal | undefined;
  /** TLS settings for `tls://`, `wss://`, `https://`: `ca` to trust a private CA, `cert` + `key` for mTLS. */
  tls?: object | undefined;
  /** Functions the server may call back on this connection (`call.caller` on its side). */
  expose?: object | undefined;
  /** Shared references and cycles in values; the server must turn them on too. */
  references?: boolean | undefined;
  limits?: Partial<Limits> | undefined;
  logger?: Logger | false | undefined;
  /** Options of the Python protocol: the call `form`, `pickleProtocol`, `allowMd5`. */
  python?: PythonOptions | undefined;
  /** Options of the transports, passed through by scheme. */
  transport?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Metadata of the connection, sent with every call and notification (merged under each
   * call's own `meta`, which wins on a clash): a client name, a token. A string map; the
   * `python` protocol carries none, so `connect` refuses it there with `UsageError`.
   */
  meta?: Readonly<Record<string, string>> | undefined;
  /**
   * Interceptors around every call and notification made through the remote, outermost first
   * (`ClientInterceptor`): retries, metadata, tracing.
   */
  use?: Use<ClientInterceptor>;
}

/** Where `connect` finds transports and protocols: Node's tables, or a browser's. */
export interface Environment {
  readonly transports: SchemeTable;
  readonly protocols: ProtocolTable;
}

/**
 * Connects to a server and returns a proxy typed from `T` (`connect<typeof api>(url)`; without
 * `T`, any method may be called with any arguments). Resolves once the connection is open, the
 * opening done and the authkey verified both ways. Rejects with `ConnectionClosedError` when the
 * server cannot be reached, `TimeoutError` past `connectTimeout`, `AbortError` when `signal`
 * aborts, `AuthenticationError` on a key mismatch, `ProtocolError` when the peer does not speak
 * the protocol (saying what it seems to speak), `UsageError` for a bad URL or option.
 */
export async function connectWith<T>(
  environment: Environment,
  url: string,
  options: ConnectOptions = {},
): Promise<Remote<T>> {
  const module = await environment.transports.transportFor(url);
  const protocol = await environment.protocols.load(options.protocol);
  const limits = resolveLimits(options.limits);
  const logger = resolveLogger(options.logger);
  const authkey = keyBytes(options.authkey);
  const timeout = timeoutMs(options.timeout, 'timeout');
  const connectMs =
    timeoutMs(options.connectTimeout, 'connectTimeout') ?? limits.handshakeTimeoutMs;
  const registry = options.expose ? new Registry(options.expose) : undefined;
  const interceptors = interceptorList(options.use, 'connect');
  const meta = connectionMeta(options.meta);
  // The transport may refuse this protocol, or imply options of it (ZeroMQ's single pickle).
  const implied = module.prepare?.({
    url,
    role: 'client',
    protocol: protocol.name,
    authkey: authkey !== undefined,
  });
  const protocolOptions = {
    role: 'client' as const,
    limits,
    authkey,
    references: options.references === true,
    answers: registry !== undefined,
    python: implied?.python ? { ...implied.python, ...options.python } : options.python,
  };
  const shape = module.shapeOf?.(url) ?? module.shape;
  const refusal = protocol.refuses?.(shape, protocolOptions);
  if (refusal) throw new UsageError(`cannot connect to '${url}': ${refusal}`);
  const abort = new AbortController();
  const timer = setTimeout(
    () =>
      abort.abort(
        new TimeoutError(`could not connect to ${url} within ${connectMs} ms (connectTimeout)`),
      ),
    connectMs,
  );
  const onAbort = () =>
    abort.abort(new AbortError('connecting was aborted', { cause: options.signal?.reason }));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const endpoint = await module.dial(url, {
      transport: { tls: options.tls, ...options.transport },
      protocol: protocol.name,
      maxFrameBytes: limits.maxFrameBytes,
      maxPendingWriteBytes: limits.maxPendingWriteBytes,
      signal: abort.signal,
    });
    // Without an explicit connectTimeout, a channel's opening has its own deadline
    // (handshakeTimeoutMs); an exchange's probe stays under the connect timer.
    if (options.connectTimeout === undefined && shape === 'channel') clearTimeout(timer);
    let caller: Caller;
    if (shape === 'exchange') {
      const exchange = new ExchangeCaller(endpoint as Exchange, {
        url,
        protocol,
        protocolOptions,
        limits,
        logger,
        authkey,
        batch:
          typeof options.transport?.batch === 'boolean'
            ? options.transport.batch
            : module.batch !== false,
      });
      try {
        await exchange.probe(abort.signal);
      } catch (error) {
        throw abort.signal.aborted ? abort.signal.reason : error;
      }
      caller = exchange;
    } else {
      const session = new Session(endpoint as Channel, {
        protocol,
        protocolOptions,
        limits,
        logger,
        responder: { registry, limits, logger, exposeStack: false },
        url,
        proxy: (c) => makeProxy(c, '', undefined),
      });
      const stop = () => void session.close();
      abort.signal.addEventListener('abort', stop, { once: true });
      try {
        await session.opened;
      } catch (error) {
        throw abort.signal.aborted ? abort.signal.reason : error;
      } finally {
        abort.signal.removeEventListener('abort', stop);
      }
      if (meta && session.capabilities?.meta === false) {
        await session.close();
        throw new UsageError(
          `the ${protocol.name} protocol carries no call metadata: connect's meta option cannot be sent`,
        );
      }
      caller = session;
    }
    if (interceptors) caller = new InterceptingCaller(caller, interceptors, logger);
    const defaults = timeout === undefined && !meta ? undefined : { timeout, meta };
    return makeProxy(caller, '', defaults) as Remote<T>;
  } catch (error) {
    throw abort.signal.aborted && !(error instanceof FarcallError) ? abort.signal.reason : error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** The connection's metadata, checked: a map of strings, or undefined when empty. */
function connectionMeta(
  meta: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  if (meta === undefined) return undefined;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new UsageError('connect: meta must be an object of strings');
  }
  for (const [key, value] of Object.entries(meta)) {
    if (typeof value !== 'string') {
      throw new UsageError(`connect: meta '${key}' must be a string, got ${typeof value}`);
    }
  }
  return Object.keys(meta).length > 0 ? { ...meta } : undefined;
}
