/**
 * Compile-only type tests for streams and callbacks: `tsc --noEmit` (run by CI) checks this
 * file; nothing here runs. A `@ts-expect-error` line fails the build when its error goes away.
 */
import {
  type Callback,
  type CallContext,
  connect,
  type Remote,
  release,
  retain,
  serve,
  stats,
  toReadableStream,
  withContext,
} from '../../src/index.js';

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

interface ClientApi {
  progress(percent: number): void;
}

const api = {
  count: async function* (n: number) {
    for (let i = 1; i <= n; i++) yield i;
  },
  words: () => new ReadableStream<string>(),
  later: async (n: number) =>
    (async function* () {
      yield `${n}`;
    })(),
  sum: async (numbers: AsyncIterable<number>) => {
    let total = 0;
    for await (const n of numbers) total += n;
    return total;
  },
  double: async function* (numbers: AsyncIterable<number>) {
    for await (const n of numbers) yield n * 2;
  },
  watch: async (onEvent: Callback<(e: string) => void>) => {
    await onEvent('ready');
  },
  ask: async (question: Callback<(q: string) => number>) => (await question('n?')) + 1,
  subscribe: (topic: string) => () => `unsubscribed ${topic}`,
  report: withContext(async (call: CallContext<ClientApi>, steps: number) => {
    for (let i = 1; i <= steps; i++) await call.caller.progress((100 * i) / steps);
    return steps;
  }),
};

type Signature<F> = F extends (...args: infer A) => infer R ? [A, R] : never;

export async function streamResultTypeTests(): Promise<void> {
  const remote = await connect<typeof api>('tcp://127.0.0.1:1');
  // A function that returns an async iterable (a generator, a ReadableStream, or a promise of
  // one) gives the client a promise of an AsyncIterableIterator.
  assertType<
    Equal<Signature<typeof remote.count>, [[n: number], Promise<AsyncIterableIterator<number>>]>
  >();
  assertType<Equal<ReturnType<typeof remote.words>, Promise<AsyncIterableIterator<string>>>>();
  assertType<Equal<ReturnType<typeof remote.later>, Promise<AsyncIterableIterator<string>>>>();
  for await (const i of await remote.count(3)) {
    const n: number = i;
    void n;
    // @ts-expect-error the items are numbers
    const s: string = i;
    void s;
  }
  // A ReadableStream for those who want one.
  const readable: ReadableStream<number> = toReadableStream(await remote.count(3));
  void readable;
  // release() takes a stream too.
  release(await remote.count(3));
}

export async function streamArgumentTypeTests(): Promise<void> {
  const remote = await connect<typeof api>('tcp://127.0.0.1:1');
  async function* numbers() {
    yield 1;
  }
  // An async iterable or a ReadableStream of the declared items may be passed.
  assertType<
    Equal<
      Signature<typeof remote.sum>,
      [[numbers: AsyncIterable<number> | ReadableStream<number>], Promise<number>]
    >
  >();
  await remote.sum(numbers());
  await remote.sum(new ReadableStream<number>());
  // Both directions in one call.
  for await (const n of await remote.double(numbers())) void (n satisfies number);
  // @ts-expect-error the items must be numbers
  await remote.sum(new ReadableStream<string>());
  // @ts-expect-error an array is not a stream
  await remote.sum([1, 2]);
}

export async function callbackTypeTests(): Promise<void> {
  const remote = await connect<typeof api>('tcp://127.0.0.1:1');
  // The client passes a plain function; it may return its result or a promise of it.
  await remote.watch((e) => {
    const event: string = e;
    void event;
  });
  await remote.watch(async () => {});
  await remote.ask(() => 41);
  await remote.ask(async () => 41);
  // @ts-expect-error the callback's argument is a string
  await remote.watch((e: number) => e);
  // @ts-expect-error the callback must answer a number
  await remote.ask(() => 'forty-one');

  // A function in a result arrives as a Callback: each call is a promise.
  const unsubscribe = await remote.subscribe('news');
  assertType<Equal<typeof unsubscribe, () => Promise<string>>>();
  const said: string = await unsubscribe();
  void said;
  release(unsubscribe);

  // On the receiving side, a Callback is called and awaited; retain keeps its type.
  const onEvent: Callback<(e: string) => void> = async () => {};
  const kept: Callback<(e: string) => void> = retain(onEvent);
  void kept;
  // The server calls its client back through call.caller, typed by the client's api.
  assertType<Equal<Signature<typeof remote.report>, [[steps: number], Promise<number>]>>();
  const counts = stats(remote);
  const live: number = counts.streams.incoming + counts.references.imported + counts.pendingCalls;
  void live;
  const typed: Remote<typeof api> = remote;
  void typed;
}

/** The README's snippet ("Streams and callbacks"), as written there (its import is this file's). */
export async function readmeTypeTests(): Promise<void> {
  // README: Streams and callbacks
  const listeners = new Set<Callback<(e: string) => void>>();
  const api = {
    count: async function* (n: number) {
      // a stream: the client gets an async iterable
      try {
        for (let i = 1; i <= n; i++) yield i;
      } finally {
        console.log('stopped'); // runs when the client leaves its loop early
      }
    },
    sum: async (numbers: AsyncIterable<number>) => {
      // a stream argument, read as it comes
      let total = 0;
      for await (const n of numbers) total += n;
      return total;
    },
    watch: async (onEvent: Callback<(e: string) => void>) => {
      await onEvent('ready'); // a call back into the client
    },
    subscribe: (onEvent: Callback<(e: string) => void>) => {
      listeners.add(retain(onEvent)); // kept after the call, until release()
    },
  };
  const server = await serve(api, { listen: 'tcp://127.0.0.1:0' });
  const remote = await connect<typeof api>(server.url);

  for await (const i of await remote.count(1_000_000)) if (i === 3) break; // the server's finally runs
  async function* upTo(n: number) {
    for (let i = 1; i <= n; i++) yield i;
  }
  await remote.sum(upTo(100)); // 5050: any async iterable or ReadableStream
  await remote.watch((e) => console.log(e)); // prints 'ready'
  const readable = toReadableStream(await remote.count(10)); // for those who want a ReadableStream
  stats(remote); // { pendingCalls, runningCalls, streams: { outgoing, incoming }, references: { exported, imported }, … }
  void readable;
  // README end
}
