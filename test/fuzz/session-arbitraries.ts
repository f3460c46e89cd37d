/**
 * fast-check generators of what a hostile peer sends a farcall server, frame by frame, written
 * with the hand-made MessagePack of test/helpers/msgpack-bytes.ts (never farcall's encoder).
 *
 * Besides well-formed messages with fields of the wrong type, unknown message types, random
 * bytes and truncated bodies, the generators know the shapes that froze or killed servers in
 * issue 6, which earlier fuzzing never stumbled on: DAGs of shared references (item 1, 2), a
 * 0xc1 byte (item 1), long runs of tiny containers (item 3), and chains of tags and other
 * extensions nested past the depth limit (item 6).
 */
import fc from 'fast-check';
import { type Packable, pack, raw } from '../helpers/msgpack-bytes.js';
import { chain, dagBomb, emptyMaps, NEVER_USED } from '../hostile/attacks/hostile-bytes.js';

/** Ids of the honest calls in a scenario start here, past what the fuzzed fields produce. */
export const VALID_ID_BASE = 3_000_000_000;

/** One frame a scenario sends: its body, a label for reports, and the id of a valid call. */
export interface FuzzFrame {
  readonly body: Uint8Array;
  readonly label: string;
  /** Set for a well-formed call the server must answer (unless it closes the connection). */
  readonly validId?: number;
}

export interface Scenario {
  /** `opening`: sent in place of the HELLO and AUTH; `session`: after a real handshake. */
  readonly phase: 'opening' | 'session';
  readonly frames: FuzzFrame[];
  /** `ping`: a PING follows, its PONG proves the server read it all; `cut`: half a frame, EOF. */
  readonly ending: { kind: 'ping' } | { kind: 'cut'; announced: number; sent: number };
}

function frame(label: string, body: Uint8Array, validId?: number): FuzzFrame {
  const hex = Buffer.from(body.subarray(0, 48)).toString('hex');
  const shown = `${label} (${body.length} bytes: ${hex}${body.length > 48 ? '…' : ''})`;
  return Object.assign(
    { body, label, ...(validId === undefined ? {} : { validId }) },
    { [fc.toStringMethod]: () => shown },
  );
}

const text = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '$farcall.methods'),
);

const scalar: fc.Arbitrary<Packable> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
  fc.double(),
  text,
  fc.uint8Array({ maxLength: 40 }),
);

/** Plain values: what an honest peer may send anywhere. */
export const plainValue: fc.Arbitrary<Packable> = fc.letrec<{ value: Packable }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    scalar,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const tagUnits: number[][] = [
  [0xd4, 0x73, 0x00, 0x91], // Set tag before a one-item array
  [0xd4, 0x6d, 0x00, 0x92, 0x00], // Map tag before [key, value]
  [0xd4, 0x65, 0x00, 0x93, 0xa1, 0x45, 0xa1, 0x6d], // Error tag before [name, message, cause]
  [0xc7, 0x01, 0x73, 0x00, 0x91], // Set tag as ext8
  [0xd5, 0x73, 0x00, 0x00, 0x91], // Set tag as fixext2
  [0xd6, 0x69, 0x00, 0x00, 0x00, 0x01, 0x91], // id tag before a one-item array
  [0x91], // plain one-item arrays
  [0x81, 0xa1, 0x6b], // plain one-entry maps
];

/** Encoded values that broke servers before, and bytes no honest encoder writes. */
export const hostileValue: fc.Arbitrary<Packable> = fc.oneof(
  fc.integer({ min: 1, max: 60 }).map((levels) => raw(dagBomb(levels))),
  fc.constant(raw([NEVER_USED])),
  fc
    .oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1_000_000, max: 2_000_000 }))
    .map((count) => raw(emptyMaps(count))),
  fc
    .record({ unit: fc.constantFrom(...tagUnits), count: fc.integer({ min: 1, max: 3000 }) })
    .map(({ unit, count }) => raw(chain(unit, count))),
  fc
    .record({
      head: fc.constantFrom(0xd4, 0xd5, 0xd6, 0xd7, 0xd8),
      type: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    })
    .map(({ head, type, data }) => raw([head, type, ...data.subarray(0, 2 ** (head - 0xd4))])),
  fc
    .record({ type: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 20 }) })
    .map(({ type, data }) => raw([0xc7, data.length, type, ...data])),
  fc.constant(raw([0xd4, 0x72, 0x40, 0x91, 0xa1, 0x61, 0x40, 0x40, 0x00])), // a record
  fc.constant(raw([0xd4, 0x62, 0x00])), // a string bundle
  fc.uint8Array({ minLength: 1, maxLength: 24 }).map((bytes) => raw(bytes)),
);

/** Any value: plain most of the time, hostile some of the time, hostile inside plain too. */
export const anyValue: fc.Arbitrary<Packable> = fc.oneof(
  { weight: 3, arbitrary: plainValue },
  { weight: 2, arbitrary: hostileValue },
  { weight: 1, arbitrary: fc.array(fc.oneof(plainValue, hostileValue), { maxLength: 3 }) },
);

const methods = fc.constantFrom('add', 'echo', 'probe', 'stats', 'slow', '$farcall.methods');
/** Methods that answer at once whatever their arguments (`slow(1e9)` would not, honestly). */
const promptMethods = fc.constantFrom('add', 'echo', 'probe', 'stats', '$farcall.methods');

/** A call the server must answer: a known method or not, arguments of any plain shape. */
function validCall(id: number): fc.Arbitrary<FuzzFrame> {
  return fc
    .oneof(
      fc.tuple(fc.constant('add'), fc.tuple(fc.integer(), fc.integer())),
      fc.tuple(fc.constant('slow'), fc.tuple(fc.integer({ min: 0, max: 20 }))),
      fc.tuple(promptMethods, fc.array(plainValue, { maxLength: 3 })),
      fc.tuple(text, fc.array(plainValue, { maxLength: 2 })),
    )
    .map(([method, args]) =>
      frame(`valid call ${method}`, pack([1, id, method, args as Packable[]]), id),
    );
}

const messageType = fc.oneof(
  fc.integer({ min: 0, max: 10 }),
  fc.integer({ min: 11, max: 255 }),
  fc.constantFrom<Packable>(-1, 1.5, '1', null, 2 ** 32),
);

const callOptions = fc.oneof(
  anyValue,
  fc.record(
    {
      timeout: fc.oneof(anyValue, fc.constantFrom(0, -1, 2 ** 31, 2 ** 40, Number.NaN)),
      meta: anyValue,
      kwargs: anyValue,
    },
    { requiredKeys: [] },
  ),
);

/** Frames that are not honest calls. */
const badFrame: fc.Arbitrary<FuzzFrame> = fc.oneof(
  fc
    .tuple(messageType, fc.array(anyValue, { maxLength: 5 }))
    .map(([type, fields]) => frame(`message of type ${String(type)}`, pack([type, ...fields]))),
  fc
    .tuple(fc.integer(), methods, fc.array(anyValue, { maxLength: 3 }), callOptions)
    .map(([id, method, args, options]) =>
      frame(`call ${method} with fuzzed options`, pack([1, id, method, args, options])),
    ),
  fc
    .tuple(anyValue, anyValue, anyValue)
    .map(([id, method, args]) => frame('call of wrong field types', pack([1, id, method, args]))),
  anyValue.map((value) => frame('a bare value', pack(value))),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => frame('random bytes', bytes)),
  fc
    .tuple(fc.array(plainValue, { maxLength: 3 }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([args, cut]) => {
      const whole = pack([1, 7, 'echo', args]);
      return frame('truncated call', whole.subarray(0, Math.floor(whole.length * cut)));
    }),
  fc.constant(frame('empty body', new Uint8Array(0))),
);

/** Openings: HELLO and AUTH of every shape, hostile ones among them. */
const openingFrame: fc.Arbitrary<FuzzFrame> = fc.oneof(
  fc.constant(frame('HELLO', pack([0, 'farcall', 1, {}]))),
  fc
    .tuple(anyValue, anyValue, anyValue)
    .map(([name, version, options]) => frame('fuzzed HELLO', pack([0, name, version, options]))),
  fc
    .tuple(anyValue, anyValue)
    .map(([proof, challenge]) => frame('fuzzed AUTH', pack([8, proof, challenge]))),
  hostileValue.map((value) =>
    frame('HELLO with a hostile option', pack([0, 'farcall', 1, { x: value }])),
  ),
  badFrame,
);

/** A scenario: a phase, up to 8 frames (honest calls among the bad ones), an ending. */
export const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    phase: fc.constantFrom<'opening' | 'session'>('opening', 'session'),
    kinds: fc.array(fc.constantFrom('valid', 'bad', 'bad'), { minLength: 1, maxLength: 8 }),
    ending: fc.oneof(
      { weight: 4, arbitrary: fc.constant({ kind: 'ping' as const }) },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 1, max: 5000 })
          .chain((announced) =>
            fc
              .integer({ min: 0, max: announced - 1 })
              .map((sent) => ({ kind: 'cut' as const, announced, sent })),
          ),
      },
    ),
  })
  .chain(({ phase, kinds, ending }) =>
    fc
      .tuple(
        ...kinds.map((kind, i) =>
          kind === 'valid'
            ? validCall(VALID_ID_BASE + i)
            : phase === 'opening'
              ? openingFrame
              : badFrame,
        ),
      )
      .map((frames) => ({ phase, frames, ending })),
  );
