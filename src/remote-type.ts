/** A function on the server, as the client sees it: same arguments, a promise of the result. */
type RemoteFunction<F> = F extends (...args: infer A) => infer R
  ? (...args: A) => Promise<Awaited<R>>
  : never;

/**
 * The client's view of a server api `T`: every function becomes an async function with the same
 * argument types and a promise of its (awaited) result; nested objects stay namespaces; other
 * members (numbers, strings) are not callable and disappear. `Remote<T>` is never a thenable.
 */
export type Remote<T> = {
  readonly [K in keyof T as K extends string
    ? K extends `_${string}`
      ? never
      : T[K] extends (...args: never[]) => unknown
        ? K
        : T[K] extends object
          ? K
          : never
    : never]: T[K] extends (...args: never[]) => unknown ? RemoteFunction<T[K]> : Remote<T[K]>;
} & AsyncDisposable;
