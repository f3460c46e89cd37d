/**
 * Fuzzes the pickle decoder with hostile pickles (`pickle-arbitraries.ts`): each decode returns
 * or throws `CodecError` / `LimitError`, and what it returns re-encodes in linear size. Part of
 * `npm run fuzz`, as many cases as `FUZZ_RUNS` says (default 2000); fast-check prints the seed
 * and the shrunk case of a failure, and `FUZZ_SEED` replays one:
 *
 *   FUZZ_RUNS=100000 npm run fuzz -- pickle
 *
 * CI also runs the same property at 300 runs in `npm test` (`test/pickle/pickle-fuzz.test.ts`).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { decodeOrRefuse, hostileCase, type Outcome } from './pickle-arbitraries.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 2000);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

it(`pickle decoder: ${numRuns} hostile pickles each decode or are refused, in linear size`, () => {
  const seen: Record<Outcome, number> = { value: 0, CodecError: 0, LimitError: 0 };
  fc.assert(
    fc.property(hostileCase, (input) => {
      seen[decodeOrRefuse(input)]++;
    }),
    { numRuns, ...(seed === undefined ? {} : { seed }) },
  );
  console.log(`pickle fuzz: ${numRuns} runs, outcomes ${JSON.stringify(seen)}`);
  expect(seen.value + seen.CodecError + seen.LimitError).toBe(numRuns);
});
