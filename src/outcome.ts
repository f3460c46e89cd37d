/**
 * How a call ended, as a caller (a session, an exchange client) learns it, and the one place
 * that turns it into the value or the error the user sees. Errors are made by `settled`, called
 * after the caller's `await`, so their stacks hold the user's async frames.
 */
import type { CallOptions } from './caller.js';
import { AbortError, type ConnectionClosedError, FarcallError, TimeoutError } from './errors.js';
import type { Answer } from './protocol/protocol.js';
import { remoteError } from './wire-error.js';

export type Outcome =
  | Answer
  | { readonly type: 'timeout'; readonly ms: number }
  | { readonly type: 'aborted'; readonly reason: unknown }
  | { readonly type: 'closed' }
  | { readonly type: 'failed'; readonly error: Error };

/**
 * The value of a call to `method` on `where`, or its error: `RemoteError` (with `method`),
 * `TimeoutError`, `AbortError` (or the signal's own farcall error), what `closed` makes, or the
 * local failure as it was.
 */
export function settled(
  outcome: Outcome,
  method: string,
  where: string,
  closed: () => ConnectionClosedError,
): unknown {
  switch (outcome.type) {
    case 'result':
      return outcome.value;
    case 'error':
      throw remoteError(outcome.error, method);
    case 'timeout':
      throw new TimeoutError(`call to '${method}' on ${where} timed out after ${outcome.ms} ms`);
    case 'aborted':
      throw outcome.reason instanceof FarcallError
        ? outcome.reason
        : new AbortError(`call to '${method}' aborted`, { cause: outcome.reason });
    case 'closed':
      throw closed();
    case 'failed':
      throw outcome.error;
  }
}

const NO_META: Readonly<Record<string, string>> = Object.freeze({});

/** Tells `options.onResponseMeta` the answer's response metadata, when an answer came. */
export function answerMeta(outcome: Outcome, options: CallOptions | undefined): void {
  const report = options?.onResponseMeta;
  if (report && (outcome.type === 'result' || outcome.type === 'error')) {
    report(outcome.meta ?? NO_META);
  }
}
