/**
 * For users who want a `ReadableStream` where farcall gives an async iterable (a stream result,
 * a stream argument): `toReadableStream(await remote.numbers(10))`.
 */

/**
 * A `ReadableStream` over an async iterable (such as a stream from the other end), pulled one
 * item per read: it reads nothing ahead (`highWaterMark` 0), so the iterable's own
 * backpressure holds. Cancelling the stream calls the iterator's `return()` (for a farcall
 * stream: its producer stops, its `finally` runs); an error of the iterator errors the stream.
 */
export function toReadableStream<T>(iterable: AsyncIterable<T>): ReadableStream<T> {
  let iterator: AsyncIterator<T> | undefined;
  return new ReadableStream<T>(
    {
      async pull(controller) {
        iterator ??= iterable[Symbol.asyncIterator]();
        const step = await iterator.next();
        if (step.done) controller.close();
        else controller.enqueue(step.value);
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
