/**
 * fast-check arbitraries of hostile pickles, and the property every one must keep: decoding
 * returns a value or throws `CodecError` or `LimitError`, nothing else (no `RangeError` from a
 * blown stack, no `TypeError` from a shape the code did not expect, no hang), and a decoded value
 * re-encodes in a size linear in the input and the item limit (sharing is written once).
 *
 * The shapes are the ones attackers use: floods of one-byte opcodes that allocate (EMPTY_*,
 * MARK, empty strings and bytes), memo DAGs (each level fetching the levels below several
 * times, past the depth limit sometimes), deep MARK chains with random closers, and mutations
 * of valid pickles (CPython's, `pickle-seeds.ts`, and this codec's own) by replacing,
 * inserting, deleting, duplicating and truncating bytes.
 *
 * Used by `pickle.fuzz.ts` (many runs, by hand) and `test/pickle/pickle-fuzz.test.ts` (CI).
 */
import fc from 'fast-check';
import {
  type DecodeOptions,
  decodePickle,
  encodePickle,
  PyByteArray,
  PyDecimal,
  PyException,
  PyFrozenSet,
} from '../../src/codec/pickle/index.js';
import { CodecError, LimitError } from '../../src/errors.js';
import { CPYTHON_SEEDS } from './pickle-seeds.js';

export interface HostileCase {
  bytes: Uint8Array;
  options: DecodeOptions & { maxItems: number };
}

function latin1(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

function u32(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out.toString('latin1');
}

/** Valid pickles to mutate: CPython's at protocols 0 to 5, and this encoder's at 2 to 4. */
export const SEEDS: readonly Uint8Array[] = [
  ...CPYTHON_SEEDS.map(([, hex]) => new Uint8Array(Buffer.from(hex, 'hex'))),
  ...([2, 3, 4] as const).flatMap((protocol) => {
    const shared = ['s', 1];
    return [
      encodePickle(['add', Object.freeze([1, 2.5, 2n ** 70n]), { verbose: true }], { protocol }),
      encodePickle(
        [new Set([1]), new PyFrozenSet(['a']), new PyByteArray([1]), new PyDecimal('1.10')],
        { protocol },
      ),
      encodePickle([new PyException('ValueError', ['v', 2]), new Date(0), new Map([[1, 'x']])], {
        protocol,
      }),
      encodePickle([shared, shared, Object.freeze([shared]), { s: shared }], { protocol }),
    ];
  }),
];

/** One-opcode pushes that allocate, with their arguments. */
const PUSHES = [
  '}',
  ']',
  ')',
  '\x8f',
  '(',
  'N',
  '\x88',
  'K\x01',
  'J\xff\xff\xff\x7f',
  '\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09',
  'G\x3f\xf8\x00\x00\x00\x00\x00\x00',
  '\x8c\x00',
  '\x8c\x03abc',
  'C\x00',
  'B\x00\x00\x00\x00',
  '\x96\x00\x00\x00\x00\x00\x00\x00\x00',
  'Vx\n',
  "S'x'\n",
  'I7\n',
  'F1.5\n',
  'L5L\n',
  '\x94',
  '2',
];

/** Floods of pushes, alone or wrapped in a list, in one kind or mixed. */
export const pushFlood: fc.Arbitrary<Uint8Array> = fc
  .record({
    protocol: fc.integer({ min: 0, max: 5 }),
    pushes: fc.oneof(
      fc
        .tuple(fc.constantFrom(...PUSHES), fc.integer({ min: 0, max: 3000 }))
        .map(([push, count]) => push.repeat(count)),
      fc.array(fc.constantFrom(...PUSHES), { maxLength: 500 }).map((parts) => parts.join('')),
    ),
    wrap: fc.boolean(),
  })
  .map(({ protocol, pushes, wrap }) =>
    latin1(`\x80${String.fromCharCode(protocol)}${wrap ? `(${pushes}l` : pushes}.`),
  );

/**
 * Memo DAGs: level 0 is a scalar, each level above a list, tuple, dict, exception or
 * frozenset holding fetches of random levels below (several of the same one, so the number of
 * paths grows as a power of the fan-out), each level memoized with LONG_BINPUT and popped.
 */
export const memoDag: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.record({
      kind: fc.constantFrom('list', 'tuple', 'dict', 'exception', 'frozenset'),
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
    }),
    { minLength: 1, maxLength: 100 },
  )
  .map((levels) => {
    let out = `\x80\x04\x8c\x04leafr${u32(0)}0`;
    levels.forEach(({ kind, picks }, i) => {
      const level = i + 1;
      const gets = picks.map((pick) => `j${u32(pick % level)}`);
      if (kind === 'list') out += `](${gets.join('')}e`;
      else if (kind === 'tuple') out += `(${gets.join('')}t`;
      else if (kind === 'dict')
        out += `}(${gets.map((get, k) => `K${String.fromCharCode(k)}${get}`).join('')}u`;
      else if (kind === 'exception')
        out += `\x8c\x08builtins\x8c\x0aValueError\x93(${gets.join('')}tR`;
      // Only tuples and scalars are hashable: a frozenset of a list is refused, as in Python.
      else out += `(${gets.join('')}\x91`;
      out += `r${u32(level)}0`;
    });
    return latin1(`${out}j${u32(levels.length)}.`);
  });

/** Chains of MARKs, deep or not, closed by random opcodes that pop a mark (or do not). */
export const markChain: fc.Arbitrary<Uint8Array> = fc
  .record({
    protocol: fc.integer({ min: 0, max: 5 }),
    depth: fc.integer({ min: 0, max: 400 }),
    body: fc.constantFrom('', 'N', 'K\x01', ']', 'K\x01K\x02'),
    closers: fc.array(fc.constantFrom('t', 'l', 'd', 'e', 'u', '\x90', '\x91', '0', '1', 'N'), {
      maxLength: 400,
    }),
  })
  .map(({ protocol, depth, body, closers }) =>
    latin1(`\x80${String.fromCharCode(protocol)}${`(${body}`.repeat(depth)}${closers.join('')}.`),
  );

/** A valid pickle edited: bytes replaced, inserted, deleted, a range copied elsewhere, cut. */
export const mutatedSeed: fc.Arbitrary<Uint8Array> = fc
  .record({
    seed: fc.constantFrom(...SEEDS),
    edits: fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('set'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
        fc.record({
          op: fc.constant('insert'),
          at: fc.nat(),
          bytes: fc.uint8Array({ maxLength: 8 }),
        }),
        fc.record({
          op: fc.constant('delete'),
          at: fc.nat(),
          length: fc.integer({ min: 1, max: 8 }),
        }),
        fc.record({
          op: fc.constant('copy'),
          from: fc.nat(),
          length: fc.integer({ min: 1, max: 64 }),
          to: fc.nat(),
          times: fc.integer({ min: 1, max: 50 }),
        }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    cut: fc.option(fc.nat()),
  })
  .map(({ seed, edits, cut }) => {
    let bytes = Buffer.from(seed);
    for (const edit of edits) {
      const at = (position: number) => position % (bytes.length + 1);
      if (edit.op === 'set' && bytes.length > 0) {
        bytes[edit.at % bytes.length] = edit.byte;
      } else if (edit.op === 'insert') {
        const i = at(edit.at);
        bytes = Buffer.concat([bytes.subarray(0, i), edit.bytes, bytes.subarray(i)]);
      } else if (edit.op === 'delete') {
        const i = at(edit.at);
        bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + edit.length)]);
      } else if (edit.op === 'copy') {
        const from = at(edit.from);
        const slice = bytes.subarray(from, from + edit.length);
        const i = at(edit.to);
        const copies = new Array<Uint8Array>(edit.times).fill(slice);
        bytes = Buffer.concat([bytes.subarray(0, i), ...copies, bytes.subarray(i)]);
      }
    }
    const end = cut === null ? bytes.length : cut % (bytes.length + 1);
    return new Uint8Array(bytes.subarray(0, end));
  });

/** Any of the hostile shapes, with limits that are sometimes small enough to be met. */
export const hostileCase: fc.Arbitrary<HostileCase> = fc.record({
  bytes: fc.oneof(pushFlood, memoDag, markChain, mutatedSeed),
  options: fc.record({
    maxItems: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.constant(100_000)),
    maxDepth: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constant(64)),
  }),
});

/** What `decodeOrRefuse` saw: a value, a refusal, or a limit. */
export type Outcome = 'value' | 'CodecError' | 'LimitError';

/**
 * The property: decoding returns or throws `CodecError` / `LimitError`, and a decoded value
 * re-encodes (or is refused with one of those) in at most a constant times the input plus the
 * item limit: every value costs at most a few bytes to write once, and values that calls copied
 * (`set(list)`) were charged to `maxItems`.
 *
 * @throws {Error} for anything else, which fast-check reports with the shrunk case.
 */
export function decodeOrRefuse({ bytes, options }: HostileCase): Outcome {
  let value: unknown;
  try {
    value = decodePickle(bytes, options);
  } catch (error) {
    if (error instanceof CodecError) return 'CodecError';
    if (error instanceof LimitError) return 'LimitError';
    throw error;
  }
  let encoded: Uint8Array;
  try {
    encoded = encodePickle(value, { protocol: bytes.length % 2 === 0 ? 4 : 2 });
  } catch (error) {
    if (error instanceof CodecError || error instanceof LimitError) return 'value';
    throw error;
  }
  const bound = 24 * bytes.length + 16 * options.maxItems + 64;
  if (encoded.length > bound) {
    throw new Error(`a ${bytes.length}-byte pickle re-encoded to ${encoded.length} bytes`);
  }
  return 'value';
}
