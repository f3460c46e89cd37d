/**
 * Loading the module `farcall serve MODULE` serves, and building the one api object handed to
 * `serve` from its exports.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../index.js';

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/;
let tsxRegistered = false;

/** What `serve` says when a TypeScript module is asked for and tsx is not installed. */
export const TSX_MISSING =
  'serving a TypeScript module needs tsx: npm install --save-dev tsx, or compile it to .js';

/**
 * Imports MODULE (a path, relative to the working directory) and returns the api to serve.
 * Rejects with `UsageError` when the file is missing or fails to load, or when it is
 * TypeScript and tsx (an optional peer dependency) is not installed.
 */
export async function loadApi(modulePath: string): Promise<object> {
  const file = resolve(modulePath);
  if (!existsSync(file)) throw new UsageError(`cannot load ${modulePath}: no such file`);
  if (TYPESCRIPT.test(file)) await registerTsx();
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`cannot load ${modulePath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return buildApi(namespace, modulePath);
}

/**
 * Loads tsx, only now: a library user who never serves TypeScript need not install it (nor
 * its esbuild). It is resolved from farcall's own place, so a project's tsx is found.
 */
async function registerTsx(): Promise<void> {
  if (tsxRegistered) return;
  let tsx: typeof import('tsx/esm/api');
  try {
    tsx = await import('tsx/esm/api');
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code === 'ERR_MODULE_NOT_FOUND' && String(message).includes("'tsx'")) {
      throw new UsageError(TSX_MISSING, { cause: error });
    }
    throw new UsageError(`cannot load tsx: ${String(message)}`, { cause: error });
  }
  // tsx's global hooks rather than `tsImport`: `tsImport` tags every module it loads with a
  // `?tsx-namespace=` query, so the served module's `import { acceptsKwargs } from 'farcall'`
  // would get a second copy of farcall whose marks this process's `serve` cannot see.
  // The hooks stay registered: the module may import more TypeScript later, lazily.
  tsx.register();
  tsxRegistered = true;
}

/**
 * The api served for a module's exports: its named exports, plus the members of a
 * default-exported object at the top level (a default-exported function is served as
 * `default`). A module whose only export is a default object is served as that object, so a
 * class instance keeps `this`. When both kinds exist, the default object's methods are copied
 * (bound to it, for a class instance; a bound copy loses an `acceptsKwargs` mark, so mark
 * named exports instead). A name exported both ways with different values is a usage error,
 * rather than one of them silently winning. Exported classes stay in the api; the registry
 * skips them.
 */
export function buildApi(namespace: Record<string, unknown>, modulePath: string): object {
  // 'module.exports' is how newer Node versions show a CommonJS module's whole exports object.
  const named = Object.keys(namespace).filter((k) => k !== 'default' && k !== 'module.exports');
  const fallback = namespace.default;
  const isObject = typeof fallback === 'object' && fallback !== null;
  if (isObject && named.length === 0) return fallback;
  const api: Record<string, unknown> = {};
  for (const name of named) api[name] = namespace[name];
  const add = (name: string, value: unknown, served: unknown) => {
    if (Object.hasOwn(api, name) && api[name] !== value) {
      throw new UsageError(
        `${modulePath} exports '${name}' both by name and in its default export, with different values`,
      );
    }
    if (!Object.hasOwn(api, name)) api[name] = served;
  };
  if (typeof fallback === 'function') add('default', fallback, fallback);
  else if (isObject) {
    const proto = Object.getPrototypeOf(fallback);
    const plain = proto === Object.prototype || proto === null;
    for (const name of memberNames(fallback)) {
      const value = (fallback as Record<string, unknown>)[name];
      const served = typeof value === 'function' && !plain ? value.bind(fallback) : value;
      add(name, value, served);
    }
  }
  return api;
}

/** Own enumerable keys, plus the methods of each prototype up to `Object.prototype`. */
function memberNames(target: object): string[] {
  const names = new Set(Object.keys(target));
  let proto = Object.getPrototypeOf(target);
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (name !== 'constructor' && typeof descriptor?.value === 'function') names.add(name);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return [...names];
}
