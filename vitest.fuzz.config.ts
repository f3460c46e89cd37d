import { defineConfig } from 'vitest/config';

/**
 * `npm run fuzz`: the fuzzers, `test/fuzz/**\/*.fuzz.ts`, each running FUZZ_RUNS cases (default
 * 2000): `FUZZ_RUNS=1000000 npm run fuzz` for the long run. The glob takes whichever fuzzers
 * exist; the normal test run (`vitest.config.ts`) never picks them up.
 */
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.fuzz.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Each fuzzer sets its own bound from FUZZ_RUNS; hooks start child servers.
    testTimeout: 0,
    hookTimeout: 20_000,
  },
});
