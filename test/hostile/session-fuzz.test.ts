/**
 * The session fuzzer of test/fuzz/ at a small count, so every `npm test` runs it; `npm run fuzz`
 * runs it at FUZZ_RUNS.
 */
import { describe, it } from 'vitest';
import { fuzzSession } from '../fuzz/session-property.js';

describe('the session under fuzzed frames (short run)', () => {
  it('50 scenarios: every bad connection answered or closed, the server serving', async () => {
    await fuzzSession(50);
  });
});
