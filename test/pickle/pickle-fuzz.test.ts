/**
 * The pickle fuzzer's property (`test/fuzz/pickle-arbitraries.ts`) at 300 runs, for CI: hostile
 * pickles (EMPTY_* floods, memo DAGs, MARK chains, mutated CPython and farcall pickles) decode
 * or throw `CodecError` / `LimitError`, and decoded values re-encode in linear size. Run
 * `test/fuzz/pickle.fuzz.ts` for many more.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { decodeOrRefuse, hostileCase, type Outcome } from '../fuzz/pickle-arbitraries.js';

it('hostile pickles decode or throw CodecError or LimitError, and re-encode in linear size', () => {
  const seen: Record<Outcome, number> = { value: 0, CodecError: 0, LimitError: 0 };
  fc.assert(
    fc.property(hostileCase, (input) => {
      seen[decodeOrRefuse(input)]++;
    }),
    { numRuns: 300 },
  );
  // The shapes reach every outcome: a fuzzer that only ever hits one path tests little.
  expect(seen.value).toBeGreaterThan(0);
  expect(seen.CodecError).toBeGreaterThan(0);
  expect(seen.LimitError).toBeGreaterThan(0);
});
