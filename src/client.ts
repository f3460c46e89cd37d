import { FarcallError, UsageError } from './errors.js';
import { type Limits, resolveLimits } from './limits.js';
import { type Logger, resolveLogger } from './logger.js';
import { loadProtocol, type ProtocolName } from './protocol/index.js';
import type { PythonOptions } from './protocol/python/index.js';
import { makeProxy, proxyState, type Remote } from './proxy.js';
import { LIST_METHODS } from './registry.js';
import { type CallOptions, Session } from './session.js';
import { type ClientTlsOptions, dial } from './transport/net.js';
import { SocketTransport } from './transport/socket.js';
import { parseAddress } from './url.js';

export interface ConnectOptions {
  /** Shared key: the client proves it knows it, and requires the server to prove it back. */
  authkey?: string | Uint8Array | undefined;
  /** Wire protocol, default `'farcall'`. */
  protocol?: ProtocolName | undefined;
  /** Default per-call timeout in ms (0: none). Override per call with `withOptions`. */
  timeout?: number | undefined;
  /** TLS settings for `tls://` URLs: `ca` to trust a private CA, `cert` + `key` for mTLS. */
  tls?: ClientTlsOptions | undefined;
  limits?: Partial<Limits> | undefined;
  logger?: Logger | false | undefined;
  /** Options of the Python protocol: the call `form`, `pickleProtocol`, `allowMd5`. */
  python?: PythonOptions | undefined;
}

/** Turns a string or byte key into bytes; an empty key is a usage error, not "no key". */
export function keyBytes(authkey: string | Uint8Array | undefined): Uint8Array | undefined {
  if (authkey === undefined) return undefined;
  const key = typeof authkey === 'string' ? Buffer.from(authkey, 'utf8') : authkey;
  if (key.length === 0) throw new UsageError('authkey is empty');
  return key;
}

/**
 * Connects to a server and returns a proxy typed from `T` (`connect<typeof api>(url)`).
 * Resolves once the connection is open, the handshake done and the authkey verified both ways.
 * Rejects with `ConnectionClosedError` when the server cannot be reached, `AuthenticationError`
 * on a key mismatch, `ProtocolError` when the peer does not speak the protocol, `UsageError`
 * for a bad URL or option.
 */
export async function connect<T = Record<string, never>>(
  url: string,
  options: ConnectOptions = {},
): Promise<Remote<T>> {
  const address = parseAddress(url);
  const protocol = await loadProtocol(options.protocol);
  const limits = resolveLimits(options.limits);
  const logger = resolveLogger(options.logger);
  const authkey = keyBytes(options.authkey);
  const socket = await dial(address, options.tls);
  const transport = new SocketTransport(socket, limits);
  let connection: Awaited<ReturnType<typeof protocol.open>>;
  try {
    connection = await protocol.open(transport, {
      role: 'client',
      limits,
      authkey,
      python: options.python,
    });
  } catch (error) {
    transport.close(error as Error);
    throw error;
  }
  const session = new Session(transport, connection, { limits, logger });
  return makeProxy(session, '', { timeout: options.timeout }) as Remote<T>;
}

/**
 * Closes the connection behind a remote. Pending calls reject with `ConnectionClosedError`
 * (`requested: true`). Closing twice is harmless.
 */
export function close(remote: unknown): Promise<void> {
  return proxyState(remote).session.close();
}

/**
 * Returns a remote that shares the connection of `remote` but makes its calls with other
 * options: `timeout` (ms), `signal` (an `AbortSignal`), `meta` (string metadata).
 */
export function withOptions<R>(remote: R, options: Omit<CallOptions, 'kwargs'>): R {
  const state = proxyState(remote);
  return makeProxy(state.session, state.path, { ...state.options, ...options }) as R;
}

/**
 * Calls a method by its dotted name, for callers that only know it at run time (the CLI).
 * Rejects like a proxy call.
 */
export function invoke(
  remote: unknown,
  method: string,
  args: unknown[] = [],
  options?: CallOptions,
): Promise<unknown> {
  const state = proxyState(remote);
  return state.session.call(method, args, { ...state.options, ...options });
}

/**
 * Calls a method with keyword arguments (Python's `f(*args, **kwargs)`). On a farcall server the
 * function must be registered with `acceptsKwargs`; it receives them as a trailing object.
 */
export function callWithKwargs(
  remote: unknown,
  method: string,
  args: unknown[],
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
  state.session.notify(method, args, { meta: state.options.meta });
}

/** Lists the methods the server answers for, with namespaces (`math.mul`), sorted. */
export async function listMethods(remote: unknown): Promise<string[]> {
  const methods = await invoke(remote, LIST_METHODS);
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) {
    throw new FarcallError('the server answered the method list with something else');
  }
  return methods;
}
