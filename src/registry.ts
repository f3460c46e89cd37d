import type { CallContext } from './call-context.js';
import { ErrorCode, RemoteError, UsageError } from './errors.js';
import {
  type Definition,
  definitionOf,
  type ErrorInfo,
  errorInfo,
  jsonSchemaOf,
  validated,
} from './method.js';
import { parameterNames } from './param-names.js';

/** The built-in method every server answers: the sorted list of callable method paths. */
export const LIST_METHODS = '$farcall.methods';
/** The built-in method that describes every callable method (`MethodInfo`), sorted by name. */
export const DESCRIBE_METHODS = '$farcall.describe';

/** What `$farcall.describe` says of one method. */
export interface MethodInfo {
  /** The dotted path (`math.mul`). */
  readonly name: string;
  /** Parameter names as the caller passes them (a context parameter left out), where known. */
  readonly params: readonly string[];
  /** Whether it takes keyword arguments (`acceptsKwargs`). */
  readonly kwargs: boolean;
  /**
   * For a function defined with `method({ input })`: the Standard Schema library that
   * validates its arguments on the server (`'zod'`, `'valibot'`).
   */
  readonly validator?: string;
  /** JSON Schema (draft 2020-12) of the argument list, where the schema's library gives one. */
  readonly input?: Record<string, unknown>;
  /** JSON Schema of the result (`method({ output })`), where the library gives one. */
  readonly output?: Record<string, unknown>;
  /** The errors it declares (`method({ errors })`). */
  readonly errors?: readonly ErrorInfo[];
}

const kwargsFunctions = new WeakSet<object>();
const contextFunctions = new WeakSet<object>();

/**
 * Marks a function as taking a `CallContext` (its `AbortSignal`, the caller's metadata) as
 * its first argument. The caller does not pass it: the returned function is the same
 * function, typed without that parameter, so `connect<typeof api>` types the remote method as
 * the caller sees it. Calling it locally, not through farcall, would leave the context out.
 */
export function withContext<Caller = unknown, A extends unknown[] = unknown[], R = unknown>(
  fn: (context: CallContext<Caller>, ...args: A) => R,
): (...args: A) => R {
  contextFunctions.add(fn);
  return fn as unknown as (...args: A) => R;
}

/**
 * Marks a function as taking keyword arguments (sent by Python callers as `f(1, z=3)` or by
 * `callWithKwargs`). When a call carries keyword arguments, a marked function receives them as
 * one extra, trailing plain-object argument: `f(1, {z: 3})`. An unmarked function called with
 * keyword arguments is refused with `INVALID_PARAMS`, never handed an argument it does not
 * expect. Returns the function itself.
 */
export function acceptsKwargs<F extends (...args: never[]) => unknown>(fn: F): F {
  kwargsFunctions.add(fn);
  return fn;
}

interface Entry {
  fn: (...args: unknown[]) => unknown;
  self: unknown;
  kwargs: boolean;
  context: boolean;
  /** Set for a function made by `method`: its schemas run around every call. */
  definition: Definition | undefined;
  /** Parameter names, as the caller passes them; read on first use. */
  params: string[] | undefined;
}

/**
 * How many paths (methods and namespaces) the walk over an api may meet. A namespace shared
 * under several paths is walked once per path, so objects that hold each other twice over,
 * level after level, would make paths exponential in the depth; past this count `serve` fails
 * with a `UsageError` instead of hanging.
 */
const MAX_PATHS = 100_000;

/**
 * The functions a server answers for, by dotted path (`math.mul`), built once from the api
 * object given to `serve`. Names from the wire are looked up in a `Map`, never as properties,
 * so `constructor`, `__proto__`, `toString` and other inherited members are unreachable.
 *
 * What is registered: own enumerable functions, except classes (an error class exported for
 * its type is not a method); nested plain objects as namespaces; class instances as namespaces
 * of their methods, own and inherited, up to but not including `Object.prototype`, without
 * `constructor`. Names starting with `_` or `#` are private and skipped. One object may be
 * served under several paths (`users.get` and `v1.users.get`); an object that contains itself
 * (`api.self = api`) is not walked again below itself.
 */
export class Registry {
  private readonly entries = new Map<string, Entry>();
  private paths = 0;
  private described: MethodInfo[] | undefined;

  constructor(api: object) {
    this.add(api, '', new Set());
    if (this.entries.size === 0) throw new UsageError('the api has no functions to serve');
  }

  /** The callable method paths, sorted. */
  methods(): string[] {
    return [...this.entries.keys()].sort();
  }

  /**
   * Every callable method with its parameter names, sorted by name, and, for functions
   * defined with `method`, their schemas (made once, on the first call: the api does not
   * change while it is served).
   */
  describe(): MethodInfo[] {
    this.described ??= this.methods().map((name) => {
      const entry = this.entries.get(name)!;
      const info: { -readonly [K in keyof MethodInfo]: MethodInfo[K] } = {
        name,
        params: paramsOf(entry),
        kwargs: entry.kwargs,
      };
      const schemas = entry.definition?.schemas;
      if (schemas?.input) {
        info.validator = schemas.input['~standard'].vendor;
        const input = jsonSchemaOf(schemas.input, 'input');
        if (input) info.input = input;
      }
      const output = schemas?.output && jsonSchemaOf(schemas.output, 'output');
      if (output) info.output = output;
      if (schemas && schemas.errors.length > 0) info.errors = schemas.errors.map(errorInfo);
      return info;
    });
    return this.described;
  }

  /**
   * Runs `method` with its arguments (and, for a function registered with `withContext`, the
   * context that `context` makes, first). Throws `RemoteError` with `METHOD_NOT_FOUND` for an
   * unknown name and `INVALID_PARAMS` for keyword arguments the function does not take;
   * otherwise returns what the function returns (a value or a promise) and lets what it throws
   * through.
   */
  invoke(
    method: string,
    args: unknown[],
    kwargs: Record<string, unknown> | undefined,
    context: () => CallContext,
  ): unknown {
    const entry = this.entries.get(method);
    if (!entry) {
      if (method === LIST_METHODS) return this.methods();
      if (method === DESCRIBE_METHODS) return this.describe();
      throw new RemoteError({
        name: 'MethodNotFoundError',
        message: `no method named '${method}'`,
        code: ErrorCode.METHOD_NOT_FOUND,
        data: { method },
      });
    }
    const withKwargs = kwargs !== undefined && Object.keys(kwargs).length > 0;
    if (withKwargs && !entry.kwargs) {
      throw new RemoteError({
        name: 'TypeError',
        message: `${method}() got unexpected keyword arguments: ${Object.keys(kwargs).join(', ')}`,
        code: ErrorCode.INVALID_PARAMS,
      });
    }
    if (entry.definition) {
      return validated(entry.definition, method, paramsOf(entry), args, (parsed) =>
        call(entry, parsed, withKwargs ? kwargs : undefined, context),
      );
    }
    // A plain function, called as it always was.
    const all = entry.context ? [context(), ...args] : args;
    if (withKwargs) return entry.fn.call(entry.self, ...all, kwargs);
    return entry.fn.apply(entry.self, all);
  }

  /**
   * Registers the members of `target` under `prefix`. `ancestors` holds the namespaces on the
   * path from the root to `target`: only they are cycles. An object met before on another
   * path is walked again, so it is served under this path too.
   */
  private add(target: object, prefix: string, ancestors: Set<object>): void {
    if (ancestors.has(target)) return;
    ancestors.add(target);
    for (const name of memberNames(target)) {
      if (name.startsWith('_') || name.startsWith('#')) continue;
      const path = prefix + name;
      if (path === '$farcall' || path.startsWith('$farcall.')) {
        throw new UsageError(`'${path}' is reserved for farcall's built-in methods`);
      }
      if (++this.paths > MAX_PATHS) {
        throw new UsageError(
          `the api has more than ${MAX_PATHS} method and namespace paths (at '${path}'): is one object shared under itself many times?`,
        );
      }
      const value = (target as Record<string, unknown>)[name];
      if (typeof value === 'function') {
        const fn = value as (...args: unknown[]) => unknown;
        if (isClass(fn)) continue;
        const definition = definitionOf(fn);
        // `method(spec, withContext(f))` and `withContext(method(spec, f))` both mark it.
        const marked = (set: WeakSet<object>) =>
          set.has(fn) || (definition !== undefined && set.has(definition.fn));
        this.entries.set(path, {
          fn,
          self: target,
          kwargs: marked(kwargsFunctions),
          context: marked(contextFunctions),
          definition,
          params: undefined,
        });
      } else if (typeof value === 'object' && value !== null && isNamespace(value)) {
        this.add(value, `${path}.`, ancestors);
      }
    }
    ancestors.delete(target);
  }
}

function call(
  entry: Entry,
  args: unknown[],
  kwargs: Record<string, unknown> | undefined,
  context: () => CallContext,
): unknown {
  const all = entry.context ? [context(), ...args] : args;
  if (kwargs !== undefined) return entry.fn.call(entry.self, ...all, kwargs);
  return entry.fn.apply(entry.self, all);
}

/** The parameter names a caller passes (the context parameter left out), read once. */
function paramsOf(entry: Entry): string[] {
  if (entry.params === undefined) {
    const names = parameterNames(entry.definition?.fn ?? entry.fn);
    entry.params = entry.context ? names.slice(1) : names;
  }
  return entry.params;
}

/**
 * True for a class (its source text starts with `class`), which cannot be called without
 * `new`. A bound class or a function wrapped in a `Proxy` shows native code and is served.
 */
function isClass(fn: (...args: unknown[]) => unknown): boolean {
  try {
    return /^class\b/.test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
}

/** Plain objects and class instances are namespaces; arrays, maps, dates and the like are not. */
function isNamespace(value: object): boolean {
  return !(
    Array.isArray(value) ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof Date ||
    value instanceof RegExp ||
    ArrayBuffer.isView(value) ||
    value instanceof Promise
  );
}

/** Own enumerable keys, plus the methods of each prototype up to `Object.prototype`. */
function memberNames(target: object): string[] {
  const names = new Set(Object.keys(target));
  let proto = Object.getPrototypeOf(target);
  while (proto && proto !== Object.prototype && proto !== Function.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (descriptor && typeof descriptor.value === 'function') names.add(name);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return [...names];
}
