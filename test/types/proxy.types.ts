/**
 * Compile-only type tests for the typed proxy: `tsc --noEmit` (run by CI) checks this file;
 * nothing here runs. A `@ts-expect-error` line fails the build when its error goes away.
 */
import { connect, type Remote } from '../../src/index.js';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

class Store {
  private items: string[] = [];
  add(item: string): number {
    this.items.push(item);
    return this.items.length;
  }
}

const api = {
  add: (x: number, y: number) => x + y,
  greet: async (name: string, excited?: boolean) => `hi ${name}${excited ? '!' : ''}`,
  nothing: () => {},
  math: { mul: (x: number, y: number) => x * y, deep: { neg: (x: bigint) => -x } },
  store: new Store(),
  version: 3,
  _private: () => 'hidden',
};

/** Parameters and awaited result of a remote function, to compare with what the api says. */
type Signature<F> = F extends (...args: infer A) => infer R ? [A, R] : never;

export async function typeTests(): Promise<void> {
  const remote = await connect<typeof api>('tcp://127.0.0.1:1');

  // Functions become async with the same parameters; promised results are flattened.
  assertType<Equal<Signature<typeof remote.add>, [[x: number, y: number], Promise<number>]>>();
  assertType<
    Equal<Signature<typeof remote.greet>, [[name: string, excited?: boolean], Promise<string>]>
  >();
  assertType<Equal<ReturnType<typeof remote.nothing>, Promise<void>>>();
  // Nested namespaces and class instances are typed too.
  assertType<Equal<Signature<typeof remote.math.mul>, [[x: number, y: number], Promise<number>]>>();
  assertType<Equal<Signature<typeof remote.math.deep.neg>, [[x: bigint], Promise<bigint>]>>();
  assertType<Equal<Signature<typeof remote.store.add>, [[item: string], Promise<number>]>>();
  // A remote function is still assignable where a function of its signature is expected.
  const add: (x: number, y: number) => Promise<number> = remote.add;
  void add;

  const sum: number = await remote.add(2, 3);
  void sum;
  // @ts-expect-error wrong argument type
  void remote.add('2', 3);
  // @ts-expect-error missing argument
  void remote.add(2);
  // @ts-expect-error the result is a promise, not a number
  const notAwaited: number = remote.add(2, 3);
  void notAwaited;
  // @ts-expect-error unknown methods do not exist on the proxy
  void remote.sub(1, 2);
  // @ts-expect-error non-function members are not remote methods
  void remote.version;
  // @ts-expect-error private (underscore) members are not served
  void remote._private();

  // The proxy is not a thenable, so awaiting it yields the proxy itself.
  assertType<Equal<Awaited<typeof remote>, typeof remote>>();
  // It is AsyncDisposable for `await using`.
  assertType<Equal<typeof remote extends AsyncDisposable ? true : false, true>>();
  const typed: Remote<typeof api> = remote;
  void typed;
}

/** `Function.prototype` members would call `add.call` on the server: they do not type-check. */
export async function functionMemberTypeTests(): Promise<void> {
  const remote = await connect<typeof api>('tcp://127.0.0.1:1');
  // @ts-expect-error no call on a remote function
  void remote.add.call(undefined, 1, 2);
  // @ts-expect-error no apply on a remote function
  void remote.add.apply(undefined, [1, 2]);
  // @ts-expect-error no bind on a remote function
  void remote.add.bind(undefined, 1);
  // @ts-expect-error no bind on a nested remote function either
  void remote.math.deep.neg.bind(undefined);
  // @ts-expect-error a namespace is not a function
  void remote.math.call(undefined);
  assertType<Equal<typeof remote.add.length, never>>();
  assertType<Equal<typeof remote.add.name, never>>();
  // Namespaces are not disposable; only the root is.
  // @ts-expect-error no Symbol.asyncDispose below the root
  void remote.math[Symbol.asyncDispose];
}

/** Data members disappear: the server serves no methods of arrays, maps, dates and the like. */
export async function dataMemberTypeTests(): Promise<void> {
  class NotFoundError extends Error {
    status = 404;
  }
  const data = {
    list: [1, 2, 3],
    frozen: Object.freeze(['a'] as const),
    map: new Map<string, number>(),
    set: new Set<string>(),
    when: new Date(),
    bytes: new Uint8Array(4),
    floats: new Float64Array(2),
    view: new DataView(new ArrayBuffer(2)),
    pattern: /x/,
    pending: Promise.resolve(1),
    NotFoundError,
    nothing: null,
    label: 'text',
    ok: () => true,
    optional: undefined as (() => number) | undefined,
    nested: { inner: { list: [1], deeper: { get: (id: string) => Promise.resolve({ id }) } } },
  };
  const remote = await connect<typeof data>('tcp://127.0.0.1:1');
  type Served = keyof typeof remote;
  assertType<Equal<Exclude<Served, typeof Symbol.asyncDispose>, 'ok' | 'optional' | 'nested'>>();
  assertType<Equal<keyof typeof remote.nested.inner, 'deeper'>>();
  assertType<
    Equal<Signature<typeof remote.nested.inner.deeper.get>, [[id: string], Promise<{ id: string }>]>
  >();
  assertType<Equal<ReturnType<typeof remote.optional>, Promise<number>>>();
  // @ts-expect-error an array member is not a namespace of array methods
  void remote.list.push(4);
  // @ts-expect-error nor is a map, a date, a typed array or a promise
  void remote.map.get('a');
  // @ts-expect-error an exported class is not served
  void remote.NotFoundError.captureStackTrace({});
}

/**
 * `connect(url)` with no api type gives an untyped remote: any method, any arguments, results
 * of type `unknown`. The README's snippet for a Python server, as it stands there.
 */
export async function untypedTypeTests(): Promise<void> {
  const { callWithKwargs } = await import('../../src/index.js');
  // README: "A farcall client, calling a Python server built on the recipe"
  const python = await connect('tcp://127.0.0.1:17000', {
    authkey: 'peekaboo',
    protocol: 'python',
  });
  await python.add(2, 3); // 5
  await callWithKwargs(python, 'greet', ['bob'], { punctuation: '?' });
  await python.sub([1, 2], 4); // rejects: RemoteError, name 'TypeError'
  // README end

  assertType<Equal<ReturnType<typeof python.add>, Promise<unknown>>>();
  const nested: unknown = await python.math.mul(4, 5);
  void nested;
  // The result is unknown until the caller checks it.
  // @ts-expect-error unknown is not a number
  const n: number = await python.add(2, 3);
  void n;
  // @ts-expect-error untyped members have no call, apply or bind either
  void python.add.call(undefined, 2, 3);
  // Not a thenable, and disposable.
  assertType<Equal<Awaited<typeof python>, typeof python>>();
  await python[Symbol.asyncDispose]();
  const unknownApi = await connect<unknown>('tcp://127.0.0.1:1');
  void unknownApi.anything();
}

/** `withContext` functions are typed without their context parameter on the client. */
export async function contextTypeTests(): Promise<void> {
  const { withContext } = await import('../../src/index.js');
  const served = {
    whoami: withContext((context, greeting: string) => `${greeting} ${context.meta.user}`),
  };
  const remote = await connect<typeof served>('tcp://127.0.0.1:1');
  assertType<Equal<Signature<typeof remote.whoami>, [[greeting: string], Promise<string>]>>();
}
