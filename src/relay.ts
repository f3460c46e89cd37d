/**
 * Serving what another end serves: an api object whose functions forward each call to a remote.
 * The worker pool's server option is built on it, and so is any gateway (a socket in front of a
 * worker, a child process, or another server).
 */
import type { CallContext } from './call-context.js';
import { UsageError } from './errors.js';
import { acceptsKwargs, DESCRIBE_METHODS, type MethodInfo, withContext } from './registry.js';
import { invoke } from './remote-ops.js';

/**
 * The functions `remote` serves (its `$farcall.describe`), as an api object for `serve`:
 * namespaces stay namespaces (`math.mul`). Each call is forwarded with the caller's metadata
 * and its signal, so a cancel, the caller's deadline or its connection closing cancels the
 * forwarded call too; what the remote answers or throws is answered or thrown as is (a
 * `RemoteError` keeps its name, code and data), with its response metadata. Keyword arguments
 * reach a function that takes them as they would directly: as its trailing object. A
 * notification is forwarded as a call (a function cannot tell them apart). Rejects as the
 * describe call does.
 */
export async function relay(remote: unknown): Promise<Record<string, unknown>> {
  const methods = (await invoke(remote, DESCRIBE_METHODS)) as MethodInfo[];
  return relayApi(remote, methods);
}

/** `relay` for a known list of methods. */
export function relayApi(remote: unknown, methods: readonly MethodInfo[]): Record<string, unknown> {
  const api: Record<string, unknown> = Object.create(null);
  for (const { name, kwargs } of methods) {
    const forward = withContext((call: CallContext, ...args: unknown[]) =>
      invoke(remote, name, args, {
        signal: call.signal,
        meta: call.meta,
        onResponseMeta: (meta) => Object.assign(call.responseMeta, meta),
      }),
    );
    place(api, name.split('.'), kwargs ? acceptsKwargs(forward) : forward);
  }
  return api;
}

function place(api: Record<string, unknown>, path: string[], fn: unknown): void {
  let namespace = api;
  for (const part of path.slice(0, -1)) {
    const next = namespace[part];
    if (next === undefined) {
      // Null prototypes: a name from the remote such as `__proto__` is only a name.
      const created: Record<string, unknown> = Object.create(null);
      namespace[part] = created;
      namespace = created;
    } else if (typeof next === 'object' && next !== null) {
      namespace = next as Record<string, unknown>;
    } else {
      throw new UsageError(`cannot relay '${path.join('.')}': '${part}' is a function too`);
    }
  }
  namespace[path.at(-1)!] = fn;
}
