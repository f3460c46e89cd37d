import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMsgpack, encodeMsgpack } from '../../src/codec/msgpack.js';
import {
  CodecError,
  close,
  connect,
  LimitError,
  type Remote,
  type Server,
  serve,
} from '../../src/index.js';

/** Every kind of value the native codec promises to carry, nested. */
const leaf = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.double(), // includes NaN, ±Infinity, -0
  fc.integer(),
  fc.bigInt(),
  fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.uint8Array(),
  fc.int16Array(),
  fc.float64Array(),
  fc.bigInt64Array(),
  fc.date({ noInvalidDate: true }),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('array'),
    tie('object'),
    tie('map'),
    tie('set'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(
    fc.string().filter((k) => k !== '__proto__'),
    tie('value'),
    { maxKeys: 5, noNullPrototype: true },
  ),
  map: fc
    .array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 })
    .map((entries) => new Map(entries)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
}));

const codec = { maxDepth: 64, maxItems: 1_000_000 };
const withReferences = { ...codec, references: true };
const inEnvelope = { ...withReferences, envelope: 2 };
const roundTrip = (v: unknown, options = codec) =>
  decodeMsgpack(encodeMsgpack(v, options), options);
const depth = (maxDepth: number) => ({ ...codec, maxDepth });

describe('msgpack codec', () => {
  it('round-trips arbitrary values exactly', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toStrictEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the values JSON loses', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Object.is(roundTrip([-0])?.[0 as never], -0)).toBe(true);
    expect(roundTrip(Number.NaN)).toBeNaN();
    expect(roundTrip(2n ** 100n)).toBe(2n ** 100n);
    expect(roundTrip(5n)).toBe(5n);
    expect(roundTrip(new Map([['a', 1]]))).toStrictEqual(new Map([['a', 1]]));
    expect(roundTrip({ a: 1 })).toStrictEqual({ a: 1 });
    expect(roundTrip(new Set([1, 'x']))).toStrictEqual(new Set([1, 'x']));
    expect(roundTrip(/a+b/gi)).toStrictEqual(/a+b/gi);
    expect(roundTrip(new Date(86_400_000))).toStrictEqual(new Date(86_400_000));
  });

  it('writes typed arrays as raw bytes, never base64', () => {
    const bytes = encodeMsgpack(new Uint8Array([1, 2, 3]), codec);
    expect(Buffer.from(bytes).toString('hex')).toContain('010203');
    expect(bytes.length).toBeLessThan(10);
  });

  it('keeps shared references and cyclic arrays when references are on', () => {
    const shared = { x: 1 };
    const decoded = roundTrip([shared, shared], withReferences) as object[];
    expect(decoded[0]).toBe(decoded[1]);
    const cyclic: unknown[] = [1];
    cyclic.push(cyclic);
    const back = roundTrip(cyclic, withReferences) as unknown[];
    expect(back[1]).toBe(back);
  });

  it('copies shared objects and refuses cycles when references are off', () => {
    const shared = { x: 1 };
    const decoded = roundTrip([shared, shared]) as object[];
    expect(decoded[0]).toStrictEqual(decoded[1]);
    expect(decoded[0]).not.toBe(decoded[1]);
    const cyclic: unknown[] = [1];
    cyclic.push(cyclic);
    expect(() => encodeMsgpack(cyclic, codec)).toThrow(/cycles need references/);
  });

  it('writes class instances as plain objects, their Maps and -0 included', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly tags: Map<string, number>,
      ) {}
    }
    const back = roundTrip(new Point(-0, new Map([['a', 1]]))) as Record<string, unknown>;
    expect(Object.is(back.x, -0)).toBe(true);
    expect(back.tags).toStrictEqual(new Map([['a', 1]]));
  });

  it('keeps references inside a message envelope, and an error that is its own cause', () => {
    const shared = { x: 1 };
    const message = decodeMsgpack(
      encodeMsgpack([1, 7, 'f', [shared, shared]], inEnvelope),
      inEnvelope,
    );
    const args = (message as unknown[][])[3]!;
    expect(args[0]).toBe(args[1]);
    const error = new Error('loop');
    error.cause = error;
    const back = decodeMsgpack(encodeMsgpack([3, 1, error], inEnvelope), inEnvelope) as unknown[];
    expect(back[2]).toBeInstanceOf(Error);
    expect((back[2] as Error).cause).toBe(back[2]);
    // Without references it is a cycle, refused rather than recursed into.
    expect(() => encodeMsgpack([3, 1, error], { ...codec, envelope: 2 })).toThrow(CodecError);
  });

  it('refuses what it cannot carry with CodecError, and deep values with LimitError', () => {
    expect(() => encodeMsgpack({ f: () => 1 }, codec)).toThrow(CodecError);
    expect(() => encodeMsgpack(Symbol('s'), codec)).toThrow(CodecError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeMsgpack(cyclic, codec)).toThrow(/cycle/);
    let deep: unknown = 1;
    for (let i = 0; i < 10; i++) deep = [deep];
    expect(() => encodeMsgpack(deep, depth(5))).toThrow(LimitError);
    expect(() => decodeMsgpack(encodeMsgpack(deep, codec), depth(5))).toThrow(LimitError);
    expect(decodeMsgpack(encodeMsgpack(deep, codec), depth(10))).toStrictEqual(deep);
  });

  it('never throws anything but CodecError or LimitError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeMsgpack(bytes, depth(8));
        } catch (error) {
          expect(error instanceof CodecError || error instanceof LimitError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('values through a live connection', () => {
  const api = { echo: (v: unknown) => v };
  let server: Server;
  let remote: Remote<typeof api>;
  beforeAll(async () => {
    server = await serve(api, { listen: 'tcp://127.0.0.1:0', logger: false });
    remote = await connect<typeof api>(server.urls[0]!);
  });
  afterAll(async () => {
    await close(remote);
    await server.close();
  });

  it('echoes arbitrary values exactly', async () => {
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        expect(await remote.echo(v)).toStrictEqual(v);
      }),
      { numRuns: 200 },
    );
  });
});
