import { LimitError } from '../../errors.js';

/**
 * Runs `work`, turning a JavaScript stack overflow into a `LimitError`. The depth limits keep
 * recursion well inside Node's default stack, but a caller that is itself deep in the stack
 * has less room; the overflow is then still reported as what it is, a value nested too deep.
 */
export function withStackGuard<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new LimitError('farcall: pickle value nests too deep for the JavaScript stack', {
        cause: error,
      });
    }
    throw error;
  }
}
