/**
 * `serve(api, { module, workers })`: the module's functions answered by a worker pool, beside
 * the api's own.
 */
import { UsageError } from '../errors.js';
import { relay } from '../relay.js';
import type { ServeOptions } from '../server.js';
import { workerPool } from './worker-pool.js';

/**
 * Starts the pool and returns the api to serve: the module's functions, each forwarded to the
 * pool (`relay`), and `api`'s own members. Rejects with `UsageError` for `workers` without
 * `module`, an `api` that is not a plain object, or a name in both; and as `workerPool` does.
 */
export async function servePool(
  api: object,
  options: ServeOptions,
): Promise<{ api: object; close(): Promise<void> }> {
  if (options.module === undefined) {
    throw new UsageError(
      'serve: `workers` is the size of the pool that runs `module`; give a module',
    );
  }
  const proto = Object.getPrototypeOf(api);
  if (proto !== Object.prototype && proto !== null) {
    throw new UsageError(
      "serve: with `module`, `api` is a plain object (its own functions are served beside the module's)",
    );
  }
  const pool = await workerPool(options.module, {
    workers: options.workers,
    limits: options.limits,
    exposeStack: options.exposeStack,
    references: options.references,
    logger: options.logger,
  });
  try {
    const served = await relay(pool.remote);
    for (const [name, value] of Object.entries(api)) {
      if (name in served) {
        throw new UsageError(`serve: '${name}' is both in api and in ${String(options.module)}`);
      }
      served[name] = value;
    }
    return { api: served, close: () => pool.close() };
  } catch (error) {
    await pool.close();
    throw error;
  }
}
