/**
 * The fuzz properties of test/fuzz/msgpack.fuzz.ts, 300 runs each, so every test run exercises
 * them (the fuzz run itself goes much longer).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  mutated,
  referenceGraph,
  tagChain,
  tinyRuns,
  withC1,
} from '../fuzz/msgpack-arbitraries.js';
import { checkHostile, decodingOptions } from '../fuzz/msgpack-property.js';

describe('hostile MessagePack, briefly', () => {
  it.each([
    ['reference graphs and DAG bombs', referenceGraph],
    ['0xc1 in valid messages', withC1],
    ['runs of tiny containers', tinyRuns],
    ['deep tag chains', tagChain],
    ['mutated valid messages', mutated],
  ])('%s', (_, bytes) => {
    fc.assert(fc.property(bytes, decodingOptions, checkHostile), { numRuns: 300 });
  });
});
