/**
 * The client's types: `Remote<T>`, what `connect<T>` returns for a server api `T`. Types only;
 * they describe what the registry serves and what the proxy does (src/registry.ts,
 * src/proxy.ts), and test/types/ checks them with `tsc --noEmit`.
 */
import type { DECLARED_ERRORS } from './declared-errors.js';

/**
 * What every function inherits that a remote function does not have: `remote.add.call(…)`
 * would call the remote method `add.call`, so these are `never` (calling one is a compile
 * error). `toString` and the like stay as TypeScript has them: the proxy answers those locally.
 */
interface NoFunctionMembers {
  readonly call: never;
  readonly apply: never;
  readonly bind: never;
  readonly length: never;
  readonly name: never;
  readonly arguments: never;
  readonly caller: never;
  readonly prototype: never;
}

/** Any function, as the api declares it. */
type AnyFunction = (...args: never[]) => unknown;

/**
 * Values the server never serves as namespaces (src/registry.ts `isNamespace`): their
 * members are data, not methods, so they disappear from the remote type.
 */
type NotServed =
  | readonly unknown[]
  | ReadonlyMap<unknown, unknown>
  | ReadonlySet<unknown>
  | Date
  | RegExp
  | ArrayBufferView
  | Promise<unknown>;

/**
 * The errors a function defined with `method({ errors })` declares, kept on the remote
 * function's type for `isRemoteError(error, remote.fn, 'Name')`; nothing for other functions.
 */
type DeclaredErrorsOf<F> = F extends { readonly [DECLARED_ERRORS]: infer E }
  ? { readonly [DECLARED_ERRORS]: E }
  : unknown;

/**
 * A function the other end passed over (a callback in an argument, or a function in a result),
 * as the receiving end calls it: the same arguments, and a promise of the result, since each
 * call goes to the other end. Type a callback parameter with it on the side that receives it:
 * `watch: async (onEvent: Callback<(e: string) => void>) => { await onEvent('ready'); }`.
 */
export type Callback<F extends AnyFunction> = (
  ...args: Parameters<F>
) => Promise<Awaited<ReturnType<F>>>;

/**
 * What a caller may pass where a function declares parameter `P`: where it takes a stream
 * (`AsyncIterable<T>`), any async iterable or a `ReadableStream` of `T`; where it takes a
 * function (a callback), a function with those arguments that returns the result or a promise
 * of it. Anything else as declared.
 */
export type RemoteArgument<P> =
  P extends AsyncIterable<infer T>
    ? AsyncIterable<T> | ReadableStream<T>
    : P extends (...args: infer A) => infer R
      ? (...args: A) => Awaited<R> | Promise<Awaited<R>>
      : P;

/** The parameter list `A` as a caller passes it (`RemoteArgument` of each). */
export type RemoteArguments<A extends readonly unknown[]> = {
  [K in keyof A]: RemoteArgument<A[K]>;
};

/**
 * What a caller gets for a function's (awaited) result `R`: a stream (an async iterable, an
 * async generator, a `ReadableStream`) arrives as an `AsyncIterableIterator` read with
 * `for await`; a function as a `Callback`; anything else as declared. (Streams nested deeper in
 * a result arrive as `AsyncIterableIterator`s too, which are async iterables, but keep their
 * declared type.)
 */
export type RemoteResult<R> = R extends AsyncIterable<infer T> | ReadableStream<infer T>
  ? AsyncIterableIterator<T>
  : R extends AnyFunction
    ? Callback<R>
    : R;

/**
 * A function on the server, as the client sees it: the same arguments (streams and callbacks
 * as `RemoteArgument` says), a promise of its result (a promised result unwrapped, as `await`
 * does, and a stream result as an `AsyncIterableIterator`), and none of `Function`'s members.
 */
export type RemoteFunction<F> = F extends (...args: infer A) => infer R
  ? ((...args: RemoteArguments<A>) => Promise<RemoteResult<Awaited<R>>>) &
      NoFunctionMembers &
      DeclaredErrorsOf<F>
  : never;

/**
 * True when `M`, a member of an api (`null` and `undefined` taken out), is served: a function
 * or a namespace. `[M]` keeps a union from being split, and `never` (a member that is only
 * `null`) from passing for anything.
 */
type IsServed<M> = [M] extends [never]
  ? false
  : [M] extends [abstract new (...args: never) => unknown]
    ? false // a class is not a method, and its statics are not a namespace
    : [M] extends [AnyFunction]
      ? true
      : [M] extends [NotServed]
        ? false
        : [M] extends [object]
          ? true
          : false;

/** The served members of a namespace `T`: functions and nested namespaces, not `_private`. */
export type RemoteNamespace<T> = {
  readonly [K in keyof T as K extends string
    ? K extends `_${string}` | 'then'
      ? never
      : IsServed<NonNullable<T[K]>> extends true
        ? K
        : never
    : never]: NonNullable<T[K]> extends AnyFunction
    ? RemoteFunction<NonNullable<T[K]>>
    : RemoteNamespace<NonNullable<T[K]>>;
};

/**
 * One member of an untyped remote: callable with any arguments, for a promise of unknown, and
 * a namespace of further members (`remote.math.mul`).
 */
export type UntypedRemoteMember = ((...args: unknown[]) => Promise<unknown>) &
  Pick<NoFunctionMembers, 'call' | 'apply' | 'bind'> & {
    readonly [name: string]: UntypedRemoteMember;
  };

/**
 * The remote of a server whose api type is not given (a Python server, say): any method name,
 * any arguments, `Promise<unknown>` results. `then` is undefined, so it is never a thenable.
 */
export type UntypedRemote = { readonly [name: string]: UntypedRemoteMember } & {
  readonly then?: undefined;
} & AsyncDisposable;

/**
 * True for an api type that says nothing about its methods: `unknown`, `any`, or a
 * string-keyed record of `unknown` or `never` (`connect`'s default type argument).
 */
type IsUntyped<T> = unknown extends T
  ? true
  : string extends keyof T
    ? [T[string & keyof T]] extends [never]
      ? true
      : unknown extends T[string & keyof T]
        ? true
        : false
    : false;

/**
 * The client's view of a server api `T`: every function becomes an async function with the same
 * argument types and a promise of its (awaited) result, without `call`, `apply` or `bind`;
 * nested objects and class instances stay namespaces, typed the same way at every level;
 * classes, data members (numbers, strings, arrays, maps, sets, dates, typed arrays, regular
 * expressions, promises) and names starting with `_` are not served and disappear. With no api
 * type (`connect(url)`), any method may be called with any arguments. The root is
 * `AsyncDisposable`; `Remote<T>` is never a thenable.
 */
export type Remote<T> =
  IsUntyped<T> extends true ? UntypedRemote : RemoteNamespace<T> & AsyncDisposable;
