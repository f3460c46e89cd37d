import { keyBytes } from './authkey.js';
import type { Caller, CallOptions } from './caller.js';
import { timeoutMs } from './deadlines.js';
import { AbortError, FarcallError, TimeoutError } from './errors.js';
import { ExchangeCaller } from './exchange-caller.js';
import { type Limits, resolveLimits } from './limits.js';
import { type Logger, resolveLogger } from './logger.js';
import { loadProtocol, type ProtocolName } from './protocol/index.js';
import type { PythonOptions } from './protocol/python/index.js';
import { makeProxy, proxyState, type Remote } from './proxy.js';
import { LIST_METHODS, Registry } from './registry.js';
import { Session } from './session.js';
import { transportFor } from './transport/schemes.js';
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
}

/**
 * Connects to a server and returns a proxy typed from `T` (`connect<typeof api>(url)`; without
 * `T`, any method may be called with any arguments). Resolves once the connection is open, the
 * opening done and the authkey verified both ways. Rejects with `ConnectionClosedError` when the
 * server cannot be reached, `TimeoutError` past `connectTimeout`, `AbortError` when `signal`
 * aborts, `AuthenticationError` on a key mismatch, `ProtocolError` when the peer does not speak
 * the protocol (saying what it seems to speak), `UsageError` for a bad URL or option.
 */
export async function connect<T = unknown>(
  url: string,
  options: ConnectOptions = {},
): Promise<Remote<T>> {
  const module = await transportFor(url);
  const protocol = await loadProtocol(options.protocol);
  const limits = resolveLimits(options.limits);
  const logger = resolveLogger(options.logger);
  const authkey = keyBytes(options.authkey);
  const timeout = timeoutMs(options.timeout, 'timeout');
  const connectMs =
    timeoutMs(options.connectTimeout, 'connectTimeout') ?? limits.handshakeTimeoutMs;
  const registry = options.expose ? new Registry(options.expose) : undefined;
  const protocolOptions = {
    role: 'client' as const,
    limits,
    authkey,
    references: options.references === true,
    answers: registry !== undefined,
    python: options.python,
  };
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
      maxFrameBytes: limits.maxFrameBytes,
      maxPendingWriteBytes: limits.maxPendingWriteBytes,
      signal: abort.signal,
    });
    // Without an explicit connectTimeout, the opening has its own deadline (handshakeTimeoutMs).
    if (options.connectTimeout === undefined) clearTimeout(timer);
    let caller: Caller;
    if (module.shape === 'exchange') {
      const exchange = new ExchangeCaller(endpoint as Exchange, {
        url,
        protocol,
        protocolOptions,
        limits,
        logger,
        authkey,
        batch: options.transport?.batch !== false,
      });
      await exchange.probe();
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
      caller = session;
    }
    return makeProxy(caller, '', timeout === undefined ? undefined : { timeout }) as Remote<T>;
  } catch (error) {
    throw abort.signal.aborted && !(error instanceof FarcallError) ? abort.signal.reason : error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Closes the connection behind a remote. Pending calls reject with `ConnectionClosedError`
 * (`requested: true`). Closing twice is harmless.
 */
export function close(remote: unknown): Promise<void> {
  return proxyState(remote).caller.close();
}

/**
 * Returns a remote that shares the connection of `remote` but makes its calls with other
 * options: `timeout` (ms), `signal` (an `AbortSignal`), `meta` (string metadata). Cheap enough
 * to use per call.
 */
export function withOptions<R>(remote: R, options: Omit<CallOptions, 'kwargs'>): R {
  const state = proxyState(remote);
  const merged = state.options ? { ...state.options, ...options } : options;
  return makeProxy(state.caller, state.path, merged) as R;
}

/**
 * Calls a method by its dotted name, for callers that only know it at run time (the CLI).
 * Rejects like a proxy call.
 */
export function invoke(
  remote: unknown,
  method: string,
  args: readonly unknown[] = [],
  options?: CallOptions,
): Promise<unknown> {
  const state = proxyState(remote);
  const merged =
    state.options && options ? { ...state.options, ...options } : (options ?? state.options);
  return state.caller.call(method, args, merged);
}

/**
 * Calls a method with keyword arguments (Python's `f(*args, **kwargs)`). On a farcall server the
 * function must be registered with `acceptsKwargs`; it receives them as a trailing object.
 */
export function callWithKwargs(
  remote: unknown,
  method: string,
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
  options?: Omit<CallOptions, 'kwargs'>,
): Promise<unknown> {
  return invoke(remote, method, args, { ...options, kwargs });
}

/**
 * Sends a call that expects no answer. Throws `ConnectionClosedError` on a closed connection and
 * `ProtocolError` where the protocol has no notifications.
 */
export function notify(remote: unknown, method: string, ...args: unknown[]): void {
  const state = proxyState(remote);
  state.caller.notify(method, args, state.options);
}

/** Lists the methods the server answers for, with namespaces (`math.mul`), sorted. */
export async function listMethods(remote: unknown): Promise<string[]> {
  const methods = await invoke(remote, LIST_METHODS);
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) {
    throw new FarcallError('the server answered the method list with something else');
  }
  return methods;
}
