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

export async function typeTests(): Promise<void> {
  const remote = await connect<typeof api>('tcp://127.0.0.1:1');

  // Functions become async with the same parameters; promised results are flattened.
  assertType<Equal<typeof remote.add, (x: number, y: number) => Promise<number>>>();
  assertType<Equal<typeof remote.greet, (name: string, excited?: boolean) => Promise<string>>>();
  assertType<Equal<ReturnType<typeof remote.nothing>, Promise<void>>>();
  // Nested namespaces and class instances are typed too.
  assertType<Equal<typeof remote.math.mul, (x: number, y: number) => Promise<number>>>();
  assertType<Equal<typeof remote.math.deep.neg, (x: bigint) => Promise<bigint>>>();
  assertType<Equal<typeof remote.store.add, (item: string) => Promise<number>>>();

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

/** `withContext` functions are typed without their context parameter on the client. */
export async function contextTypeTests(): Promise<void> {
  const { withContext } = await import('../../src/index.js');
  const served = {
    whoami: withContext((context, greeting: string) => `${greeting} ${context.meta.user}`),
  };
  const remote = await connect<typeof served>('tcp://127.0.0.1:1');
  assertType<Equal<typeof remote.whoami, (greeting: string) => Promise<string>>>();
}
