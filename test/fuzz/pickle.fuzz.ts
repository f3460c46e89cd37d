/**
 * Fuzzes the pickle decoder with hostile pickles (`pickle-arbitraries.ts`): each decode returns
 * or throws `CodecError` / `LimitError`, and what it returns re-encodes in linear size. Run by
 * hand, as many times as `FUZZ_RUNS` says (default 2000); fast-check prints the seed and the
 * shrunk case of a failure, and `FUZZ_SEED` replays one:
 *
 *   FUZZ_RUNS=100000 npx tsx test/fuzz/pickle.fuzz.ts
 *
 * CI runs the same property at 300 runs (`test/pickle/pickle-fuzz.test.ts`).
 */
import fc from 'fast-check';
import { decodeOrRefuse, hostileCase, type Outcome } from './pickle-arbitraries.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 2000);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const seen: Record<Outcome, number> = { value: 0, CodecError: 0, LimitError: 0 };
const started = performance.now();
fc.assert(
  fc.property(hostileCase, (input) => {
    seen[decodeOrRefuse(input)]++;
  }),
  { numRuns, ...(seed === undefined ? {} : { seed }) },
);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`pickle fuzz: ${numRuns} runs in ${seconds} s, outcomes ${JSON.stringify(seen)}`);
