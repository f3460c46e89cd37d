// The CPU-bound function of the worker-pool scenarios (bench/pool-process.js): a fixed amount
// of hashing, the same whether it runs in the main thread or in a pool thread.
import { createHash } from 'node:crypto';

/** `rounds` chained SHA-256 digests of a short seed; returns the last one, in hex. */
export function hash(rounds, seed = 'farcall') {
  let digest = Buffer.from(seed);
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}
