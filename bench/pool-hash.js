// The CPU-bound function of the worker-pool scenarios (bench/pool-process.js): a fixed amount
// of hashing in JavaScript, the same whether it runs in the main thread or in a pool thread.
// Plain JavaScript, so that the figure measures the pool, not a library's own threading.

/** FNV-1a over `rounds` bytes (the low byte of a counter mixed with `seed`), as an unsigned int. */
export function hash(rounds, seed = 0) {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < rounds; i++) {
    h ^= i & 0xff;
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
