import type { Caller, CallOptions } from './caller.js';
import { UsageError } from './errors.js';

export type { Remote, RemoteFunction } from './remote-type.js';

/** What a proxy knows: its caller, its path, and the default options for its calls. */
export interface ProxyState {
  readonly caller: Caller;
  readonly path: string;
  readonly options: CallOptions | undefined;
  /** Child proxies by name, made on first access. */
  children: Map<string, unknown> | undefined;
  /** `withOptions(proxy, { timeout })` remotes by timeout, so that idiom per call makes none. */
  timed: Map<number | undefined, unknown> | undefined;
}

/**
 * The state lives on the proxy's target under this symbol, and the proxy answers it: reading it
 * is a property load, where a WeakMap would cost an ephemeron entry per proxy (and
 * `withOptions` per call makes two proxies).
 */
const STATE = Symbol('farcall.proxy');
const inspect = Symbol.for('nodejs.util.inspect.custom');

type Target = (() => void) & { [STATE]: ProxyState };

/** Names a proxy answers itself, like `then`: the conversions that code calls implicitly. */
function label(state: ProxyState): string {
  return `Remote(${state.caller.url}${state.path ? ` ${state.path}` : ''})`;
}

function local(state: ProxyState, property: string | symbol): unknown {
  switch (property) {
    case 'then':
      return undefined; // never a thenable: `await remote` is the remote, not a call
    case 'toJSON':
    case 'toString':
    case 'valueOf':
    case Symbol.toPrimitive:
    case inspect:
      return () => label(state);
    case Symbol.toStringTag:
      return 'Remote';
    case Symbol.asyncDispose:
      return state.path === '' ? () => state.caller.close() : undefined;
    default:
      return typeof property === 'symbol' ? undefined : NOT_LOCAL;
  }
}

const NOT_LOCAL = Symbol('not local');

/**
 * One handler for every proxy: the state lives in the WeakMap, keyed by the proxy's target, so
 * making a proxy costs a function and a Proxy, nothing more (`withOptions` per call is cheap).
 */
const handler: ProxyHandler<Target> = {
  get(target, property) {
    const state = target[STATE];
    if (property === STATE) return state;
    const answer = local(state, property);
    if (answer !== NOT_LOCAL) return answer;
    const name = property as string;
    state.children ??= new Map();
    let child = state.children.get(name);
    if (child === undefined) {
      child = makeProxy(
        state.caller,
        state.path === '' ? name : `${state.path}.${name}`,
        state.options,
      );
      state.children.set(name, child);
    }
    return child;
  },
  apply(target, _self, args: unknown[]) {
    const state = target[STATE];
    if (state.path === '')
      return Promise.reject(new UsageError('the remote itself is not callable'));
    return state.caller.call(state.path, args, state.options);
  },
  has: () => false,
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
  ownKeys: (target) => Reflect.ownKeys(target),
  getOwnPropertyDescriptor: (target, property) =>
    Reflect.getOwnPropertyDescriptor(target, property),
};

/**
 * Makes the proxy for `path` (empty for the root). Property access extends the path; calling
 * it calls the method at the path. `then` is always undefined, so awaiting a proxy does not
 * call the server; `toJSON`, `toString`, `valueOf`, `Symbol.toPrimitive`, `Symbol.toStringTag`
 * and `util.inspect` are answered here (`Remote(tcp://…)`), so logging or serialising a remote
 * never sends a call; other symbols are never remote names (the root answers
 * `Symbol.asyncDispose`).
 */
export function makeProxy(caller: Caller, path: string, options: CallOptions | undefined): unknown {
  // The target is a function so that namespaces and methods are both callable proxies.
  const target = function remote() {} as Target;
  const state: ProxyState = { caller, path, options, children: undefined, timed: undefined };
  Object.defineProperty(target, STATE, { value: state });
  // Node's util.inspect looks at a proxy's target, not through the proxy: answer it there too.
  Object.defineProperty(target, inspect, { value: () => label(state) });
  return new Proxy(target, handler);
}

/** The state behind a proxy; throws `UsageError` for anything that is not a farcall proxy. */
export function proxyState(remote: unknown): ProxyState {
  const state =
    typeof remote === 'function' && remote !== null
      ? (remote as { [STATE]?: ProxyState })[STATE]
      : undefined;
  if (!state) throw new UsageError('not a farcall remote (use the value returned by connect())');
  return state;
}
