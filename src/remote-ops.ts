/**
 * What a user does with a remote besides calling it: close it, call with other options, call by
 * name, notify, list methods. The same in Node and in a browser.
 */
import type { CallOptions } from './caller.js';
import { FarcallError } from './errors.js';
import { makeProxy, proxyState } from './proxy.js';
import { LIST_METHODS } from './registry.js';

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
  if (!onlyTimeout(options)) {
    return makeProxy(state.caller, state.path, mergeOptions(state.options, options)) as R;
  }
  // A proxy never changes its options, so the remotes of one timeout can be shared: the README's
  // `withOptions(remote, { timeout })` per call then costs a map lookup, not a proxy tree.
  const timeout = options.timeout;
  state.timed ??= new Map();
  let timed = state.timed.get(timeout);
  if (timed === undefined) {
    timed = makeProxy(state.caller, state.path, mergeOptions(state.options, { timeout }));
    if (state.timed.size >= MAX_TIMED) state.timed.clear();
    state.timed.set(timeout, timed);
  }
  return timed as R;
}

/** Distinct timeouts kept per remote; a caller making up a timeout per call starts it over. */
const MAX_TIMED = 16;

/** Whether the options set a timeout (a number or nothing) and nothing else. */
function onlyTimeout(options: Omit<CallOptions, 'kwargs'>): options is { timeout?: number } {
  for (const key in options) {
    if (key !== 'timeout' && options[key as keyof typeof options] !== undefined) return false;
  }
  return options.timeout === undefined || typeof options.timeout === 'number';
}

/**
 * `extra` over `base`; metadata maps are merged key by key (the connection's `meta`, then each
 * `withOptions`, the later winning), so adding a key never drops the others.
 */
function mergeOptions(
  base: CallOptions | undefined,
  extra: CallOptions | undefined,
): CallOptions | undefined {
  if (!base) return extra;
  if (!extra) return base;
  const merged = { ...base, ...extra };
  if (base.meta && extra.meta) merged.meta = { ...base.meta, ...extra.meta };
  return merged;
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
  return state.caller.call(method, args, mergeOptions(state.options, options));
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
