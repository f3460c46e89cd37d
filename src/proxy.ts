import { UsageError } from './errors.js';
import type { CallOptions, Session } from './session.js';

export type { Remote, RemoteFunction } from './remote-type.js';

/** What a proxy knows: its session, its path, and the default options for its calls. */
export interface ProxyState {
  readonly session: Session;
  readonly path: string;
  readonly options: CallOptions;
}

const states = new WeakMap<object, ProxyState>();

/**
 * Makes the proxy for `path` (empty for the root). Property access extends the path; calling
 * it calls the method at the path. `then` is always undefined, so awaiting a proxy does not
 * call the server; symbols are never remote names (the root answers `Symbol.asyncDispose`).
 */
export function makeProxy(session: Session, path: string, options: CallOptions): unknown {
  const children = new Map<string, unknown>();
  const state: ProxyState = { session, path, options };
  // The target is a function so that namespaces and methods are both callable proxies.
  const target = () => {};
  const proxy: object = new Proxy(target, {
    get(_target, property) {
      if (typeof property === 'symbol') {
        if (property === Symbol.asyncDispose && path === '') return () => session.close();
        return undefined;
      }
      if (property === 'then') return undefined;
      let child = children.get(property);
      if (child === undefined) {
        child = makeProxy(session, path === '' ? property : `${path}.${property}`, options);
        children.set(property, child);
      }
      return child;
    },
    apply(_target, _self, args: unknown[]) {
      if (path === '') return Promise.reject(new UsageError('the remote itself is not callable'));
      return session.call(path, args, options);
    },
    has: () => false,
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
    ownKeys: () => Reflect.ownKeys(target),
    getOwnPropertyDescriptor: (t, p) => Reflect.getOwnPropertyDescriptor(t, p),
  });
  states.set(proxy, state);
  return proxy;
}

/** The state behind a proxy; throws `UsageError` for anything that is not a farcall proxy. */
export function proxyState(remote: unknown): ProxyState {
  const state =
    typeof remote === 'function' || typeof remote === 'object'
      ? states.get(remote as object)
      : undefined;
  if (!state) throw new UsageError('not a farcall remote (use the value returned by connect())');
  return state;
}
