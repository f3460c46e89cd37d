/**
 * Property tests: arbitrary bytes never make the decoder fail with anything but a
 * `CodecError` or a `LimitError`, and every value of the supported mapping round-trips through
 * the encoder and the decoder at protocols 2, 3 and 4.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePickle,
  encodePickle,
  PyByteArray,
  PyDecimal,
  PyException,
  PyFrozenSet,
} from '../../src/codec/pickle/index.js';
import { CodecError, LimitError } from '../../src/errors.js';

/**
 * Decodes, and says whether it returned or threw a `CodecError` or `LimitError`; rethrows
 * anything else.
 */
function decodeOrRefuse(bytes: Uint8Array): 'value' | 'refused' {
  try {
    decodePickle(bytes);
    return 'value';
  } catch (error) {
    if (error instanceof CodecError || error instanceof LimitError) {
      return 'refused';
    }
    throw error;
  }
}

const seeds = [
  encodePickle(['add', Object.freeze([1, 2.5, 2n ** 70n]), { verbose: true, tag: 'x' }], {
    protocol: 2,
  }),
  encodePickle(
    new Map<unknown, unknown>([
      [1, new Set(['a'])],
      [2, new Uint8Array([0, 1])],
    ]),
    { protocol: 3 },
  ),
  encodePickle([new PyException('ValueError', ['v', 2]), new PyByteArray([1]), new Date(0)], {
    protocol: 4,
  }),
  encodePickle([new PyFrozenSet([1]), new PyDecimal('1.10'), -0, Number.NaN], { protocol: 4 }),
];

describe('pickle property: hostile input', () => {
  it('random bytes decode or throw CodecError or LimitError, quickly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodeOrRefuse(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes after a protocol header decode or throw CodecError or LimitError', () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 3, 4, 5), fc.uint8Array({ maxLength: 100 }), (proto, tail) => {
        decodeOrRefuse(Uint8Array.of(0x80, proto, ...tail, 0x2e));
      }),
      { numRuns: 500 },
    );
  });

  it('random opcode sequences decode or throw CodecError or LimitError', () => {
    // Opcodes with well-formed arguments, so the stack machine itself is exercised rather than
    // the length checks that random bytes mostly hit.
    const snippets = [
      ...'()]}0123abdelstuNR'.split(''),
      '\x85',
      '\x86',
      '\x87',
      '\x88',
      '\x8f',
      '\x90',
      '\x91',
      '\x93',
      '\x94',
      'K\x01',
      'K\xff',
      'J\xff\xff\xff\xff',
      'G\x7f\xf8\x00\x00\x00\x00\x00\x00',
      '\x8a\x01\x80',
      'C\x01x',
      '\x8c\x01k',
      '\x8c\x08builtins',
      '\x8c\x03set',
      'q\x00',
      'q\x01',
      'h\x00',
      'h\x01',
      'Vabc\n',
      "S'x'\n",
      'I12\n',
      'p0\n',
      'g0\n',
      'cbuiltins\nset\n',
      'cbuiltins\nfrozenset\n',
      'cbuiltins\nValueError\n',
      'cbuiltins\nbytearray\n',
      'c_codecs\nencode\n',
      'Vlatin1\n',
      'cdecimal\nDecimal\n',
      'ccollections\nOrderedDict\n',
      'cdatetime\ndatetime\n',
      'cdatetime\ntimezone\n',
      'cdatetime\ntimedelta\n',
      'I0\n',
    ];
    const soup = fc.array(fc.constantFrom(...snippets), { maxLength: 40 });
    fc.assert(
      fc.property(soup, (parts) => {
        decodeOrRefuse(new Uint8Array(Buffer.from(`${parts.join('')}.`, 'latin1')));
      }),
      { numRuns: 1000 },
    );
  });

  it('mutated valid pickles decode or throw CodecError or LimitError', () => {
    const mutation = fc.record({
      seed: fc.constantFrom(...seeds),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      cut: fc.option(fc.nat()),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits, cut }) => {
        const bytes = seed.slice();
        for (const [position, byte] of edits) {
          bytes[position % bytes.length] = byte;
        }
        const started = performance.now();
        decodeOrRefuse(cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1)));
        // Generous: a hang would take for ever; a loaded CI machine can pause for a GC.
        expect(performance.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 500 },
    );
  });
});

/** A single UTF-16 unit or code point, including lone surrogates (which pickle carries). */
const textUnit = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
);
const text = fc.string({ unit: textUnit, maxLength: 12 });
const unsafeBigInt = fc
  .bigInt({ min: -(2n ** 200n), max: 2n ** 200n })
  .filter((n) => n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER));
const primitive = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.maxSafeInteger(),
  unsafeBigInt,
  fc.double(),
  text,
);

function plainObject(entries: [string, unknown][]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return object;
}

// Python's datetime covers years 1 to 9999.
const FIRST_DATE = new Date('0001-01-01T00:00:00.000Z');
const LAST_DATE = new Date('9999-12-31T23:59:59.999Z');

const { value: anyValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    primitive,
    fc.uint8Array({ maxLength: 8 }),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => Object.freeze(items)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(text, fc.constantFrom('__proto__', 'constructor')), tie('value')), {
        maxLength: 4,
      })
      .map(plainObject),
    fc.array(primitive, { maxLength: 4 }).map((items) => new Set(items)),
    fc
      .array(fc.tuple(fc.oneof(fc.maxSafeInteger(), fc.double()), tie('value')), {
        minLength: 1,
        maxLength: 4,
      })
      .map((entries) => new Map(entries)),
    fc.uint8Array({ maxLength: 8 }).map((bytes) => new PyByteArray(bytes)),
    fc.array(primitive, { maxLength: 4 }).map((items) => new PyFrozenSet(items)),
    fc.date({ min: FIRST_DATE, max: LAST_DATE, noInvalidDate: true }),
    fc.constantFrom('1.10', '-0', 'Infinity', 'NaN', '1E+5').map((text) => new PyDecimal(text)),
    fc
      .tuple(
        fc.constantFrom('ValueError', 'KeyError', 'OSError'),
        fc.array(tie('value'), { maxLength: 3 }),
      )
      .map(([name, args]) => new PyException(name, args)),
  ),
}));

/** Deep equality that tells tuples from lists, -0 from 0, and compares NaN as equal. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return Object.is(a, b);
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return false;
  }
  if (a instanceof Date && b instanceof Date) {
    return a.getTime() === b.getTime();
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    const sameClass = a instanceof PyByteArray === b instanceof PyByteArray;
    return (
      sameClass && a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(b)
    );
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      Object.isFrozen(a) === Object.isFrozen(b) &&
      a.length === b.length &&
      a.every((item, i) => same(item, b[i]))
    );
  }
  if (a instanceof Set || b instanceof Set) {
    return (
      a instanceof Set &&
      b instanceof Set &&
      a.size === b.size &&
      [...a].every((item) => [...b].some((other) => same(item, other)))
    );
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) {
      return false;
    }
    const right = [...b];
    return [...a].every(([key, value], i) => same(key, right[i]![0]) && same(value, right[i]![1]));
  }
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every(
      (key) =>
        Object.hasOwn(b, key) &&
        same(
          Object.getOwnPropertyDescriptor(a, key)!.value,
          Object.getOwnPropertyDescriptor(b, key)!.value,
        ),
    )
  );
}

describe('pickle property: round trip', () => {
  for (const protocol of [2, 3, 4] as const) {
    it(`decodePickle(encodePickle(v, ${protocol})) equals v`, () => {
      fc.assert(
        fc.property(anyValue, (value) => {
          const decoded = decodePickle(encodePickle(value, { protocol }));
          expect(same(decoded, value), `${protocol}`).toBe(true);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('keeps sharing and cycles', () => {
    const shared = [1];
    const cycle: unknown[] = [];
    cycle.push(cycle, Object.freeze([cycle]));
    for (const protocol of [2, 3, 4] as const) {
      const [a, b] = decodePickle(
        encodePickle(Object.freeze([shared, shared]), { protocol }),
      ) as unknown[][];
      expect(a).toBe(b);
      const out = decodePickle(encodePickle(cycle, { protocol })) as unknown[];
      expect(out[0]).toBe(out);
      expect((out[1] as unknown[])[0]).toBe(out);
      expect(Object.isFrozen(out[1])).toBe(true);
    }
  });
});
