/**
 * `npm run fuzz`: the session fuzzer at FUZZ_RUNS scenarios (default 2000; the long run is
 * FUZZ_RUNS=1000000). See session-property.ts for what each scenario checks.
 */
import { describe, it } from 'vitest';
import { fuzzSession } from './session-property.js';

const runs = Number(process.env.FUZZ_RUNS ?? 2000);

describe('the session under fuzzed frames', () => {
  it(
    `${runs} scenarios: every bad connection answered or closed, the server serving`,
    async () => {
      await fuzzSession(runs);
    },
    Math.max(120_000, runs * 100),
  );
});
