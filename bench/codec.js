// The MessagePack codec in a loop: `node bench/codec.js` after `npm run build`.
//
// Encodes and decodes three messages of the native protocol (a call `[1, 7, 'echo', [42]]`, its
// result `[3, 7, 42]`, and a result holding a 1 KiB object) and prints, for each, the
// operations per second of this process's CPU time (user + system, which other load on a
// shared machine disturbs far less than wall-clock time): the best of several interleaved
// rounds. See docs/benchmarks.md, "The codec".
import { decodeMsgpack, encodeMsgpack } from '../dist/codec/msgpack.js';

const rounds = Number(process.env.ROUNDS ?? 7);
const options = { maxDepth: 64, envelope: 2, maxItems: 1_000_000, references: false };

const kib = {
  id: 123456,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  active: true,
  score: 98.625,
  tags: ['math', 'engines', 'poetry', 'notes', 'bernoulli'],
  address: { street: '12 St James Square', city: 'London', zip: 'SW1Y 4JH', country: 'UK' },
  history: Array.from({ length: 27 }, (_, i) => ({
    at: 1_700_000_000 + i * 3600,
    kind: 'login',
    ok: i % 3 !== 0,
  })),
  note: 'The Analytical Engine weaves algebraic patterns just as the Jacquard loom weaves flowers and leaves.',
};
const messages = { call: [1, 7, 'echo', [42]], result: [3, 7, 42], '1 KiB': [3, 9, kib] };

/** Calls of `fn(arg)` per second of CPU time, for at least `ms` of it. */
function rate(fn, arg, ms) {
  let count = 0;
  const start = process.cpuUsage();
  let used;
  do {
    for (let i = 0; i < 500; i++) fn(arg);
    count += 500;
    const cpu = process.cpuUsage(start);
    used = (cpu.user + cpu.system) / 1000;
  } while (used < ms);
  return (count / used) * 1000;
}

const encode = (value) => encodeMsgpack(value, options);
const decode = (bytes) => decodeMsgpack(bytes, options);
console.log('message   bytes      encode ops/s      decode ops/s');
for (const [name, message] of Object.entries(messages)) {
  const bytes = encode(message);
  rate(encode, message, 50);
  rate(decode, bytes, 50);
  let best = { encode: 0, decode: 0 };
  for (let round = 0; round < rounds; round++) {
    best = {
      encode: Math.max(best.encode, rate(encode, message, 100)),
      decode: Math.max(best.decode, rate(decode, bytes, 100)),
    };
  }
  const figure = (n) => Math.round(n).toLocaleString('en-US').padStart(17);
  console.log(
    `${name.padEnd(8)}${String(bytes.length).padStart(6)} ${figure(best.encode)} ${figure(best.decode)}`,
  );
}
