/**
 * Fuzzing the MessagePack decoder with the hostile shapes of msgpack-arbitraries.ts. Not in the
 * normal test run (its name does not end in .test.ts); FUZZ_RUNS sets the runs per property.
 * test/codec/msgpack-fuzz.test.ts runs the same properties briefly in every test run.
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  hostileMessage,
  mutated,
  referenceGraph,
  tagChain,
  tinyRuns,
  withC1,
} from './msgpack-arbitraries.js';
import { checkHostile, decodingOptions } from './msgpack-property.js';

const numRuns = Number(process.env.FUZZ_RUNS ?? 2000);

describe('MessagePack decoding of hostile bytes: returns, or throws CodecError/LimitError', () => {
  it.each([
    ['reference graphs and DAG bombs', referenceGraph],
    ['0xc1 in valid messages', withC1],
    ['runs of tiny containers', tinyRuns],
    ['deep tag chains', tagChain],
    ['mutated valid messages', mutated],
    ['any of them', hostileMessage],
  ])('%s', (_, bytes) => {
    fc.assert(fc.property(bytes, decodingOptions, checkHostile), { numRuns });
  });
});
