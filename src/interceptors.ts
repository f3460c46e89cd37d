/**
 * Interceptors: functions around every call, on the server (`serve(api, { use })`) and on the
 * client (`connect(url, { use })`). Each gets the call and `next`, which runs the rest of the
 * chain (the last one runs the function, or sends the call) and resolves with its result or
 * rejects with its error; an interceptor returns the result (the same or another) or throws.
 * So one interceptor can reject a call (throw before `next`), time it, log it and its outcome,
 * enrich it (metadata, `state`), retry it (a client interceptor may call `next` again), or
 * change its arguments (`call.args = …` before `next`) or its result.
 *
 * With no interceptor installed nothing of this runs: the server calls the registry and the
 * client calls its connection exactly as before (the bench's `interceptor-*` rows).
 */
import type { CallContext } from './call-context.js';
import type { CallOptions } from './caller.js';
import { UsageError } from './errors.js';

/** A call as a server interceptor sees it; the function gets the same object as its context. */
export interface ServerCall extends CallContext {
  /** A call expects an answer; a notification does not (its result is dropped, an error logged). */
  readonly kind: 'call' | 'notify';
  /** The arguments the function will get: replace them before `next()` to change them. */
  args: unknown[];
  /** Keyword arguments (Python callers, `callWithKwargs`), when the call has any. */
  readonly kwargs: Record<string, unknown> | undefined;
  /** The wire protocol of the connection: `'farcall'`, `'python'`. */
  readonly protocol: string;
}

/**
 * Runs around every call a server answers, notifications and the built-ins
 * (`$farcall.methods`, `$farcall.describe`) included, unknown methods too (`next()` then
 * rejects with `METHOD_NOT_FOUND`), before the arguments are validated (`method({ input })`).
 * What it throws is the call's error, as if the function threw it; what it returns is the
 * result. `next` may be called once.
 */
export type ServerInterceptor = (call: ServerCall, next: () => Promise<unknown>) => unknown;

/** A call as a client interceptor sees it. Change it before `next()`; read it after. */
export interface ClientCall {
  /** A call expects an answer; a notification does not (`next()` resolves once it is sent). */
  readonly kind: 'call' | 'notify';
  /** The dotted method name. */
  readonly method: string;
  /** The arguments to send; replace them to send others. */
  args: readonly unknown[];
  /**
   * Metadata to send with the call (this object is the call's own copy: set keys on it, such as
   * `traceparent`): the connection's `meta`, then `withOptions`'s, then what interceptors add.
   */
  readonly meta: Record<string, string>;
  /** Milliseconds the call may take, as `withOptions` gave it; change it for the next try. */
  timeout: number | undefined;
  signal: AbortSignal | undefined;
  readonly kwargs: Record<string, unknown> | undefined;
  /** The metadata of the last answer `next()` got (after it settles); undefined before. */
  readonly responseMeta: Readonly<Record<string, string>> | undefined;
  /** The address called. */
  readonly url: string;
}

/** Runs around every call and notification made through a remote of `connect(url, { use })`. */
export type ClientInterceptor = (call: ClientCall, next: () => Promise<unknown>) => unknown;

/** `use` as the options take it: one interceptor or a list, outermost first. */
export type Use<I> = I | readonly I[] | undefined;

/** The list of interceptors `use` names; undefined when there are none (the fast path). */
export function interceptorList<I>(use: Use<I>, what: string): readonly I[] | undefined {
  if (use === undefined) return undefined;
  const list = (Array.isArray(use) ? [...use] : [use]) as I[];
  for (const fn of list) {
    if (typeof fn !== 'function') throw new UsageError(`${what}: use takes functions`);
  }
  return list.length === 0 ? undefined : list;
}

/**
 * Runs `interceptors` around `last`, outermost first. Never throws: whatever an interceptor
 * does (throws, returns a value or a thenable), the promise settles with it. With `once`,
 * calling `next` twice rejects that second call with `UsageError`.
 */
export function runChain<C>(
  interceptors: readonly ((call: C, next: () => Promise<unknown>) => unknown)[],
  call: C,
  last: () => unknown,
  once: boolean,
): Promise<unknown> {
  const step = (index: number): Promise<unknown> => {
    let called = false;
    const next = () => {
      if (once && called) return Promise.reject(new UsageError('next() was called twice'));
      called = true;
      return step(index + 1);
    };
    try {
      // Promise.resolve adopts a thenable, and rejects if reading its `then` throws.
      return Promise.resolve(
        index === interceptors.length ? last() : interceptors[index]!(call, next),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return step(0);
}

/** The options a client call is sent with, from what its interceptors left in `call`. */
export function sentOptions(
  call: ClientCall,
  onResponseMeta: CallOptions['onResponseMeta'],
): CallOptions {
  let meta: Record<string, string> | undefined;
  for (const _ in call.meta) {
    meta = call.meta;
    break;
  }
  return { timeout: call.timeout, signal: call.signal, kwargs: call.kwargs, meta, onResponseMeta };
}
