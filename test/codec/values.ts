/**
 * fast-check arbitraries for every kind of value the MessagePack codec carries (the table in
 * docs/protocol.md), as trees; and graphs of shared objects and cycles for references on.
 */
import fc from 'fast-check';

export class Point {
  constructor(
    readonly x: number,
    readonly label: unknown,
  ) {}
}

const patterns = ['a+b', '^x$', '[\\u{1F600}]', '(?<y>\\d{4})', '', '\\/'];

export const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.double(), // NaN, ±Infinity, -0 included
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', minLength: 20, maxLength: 200 }),
  fc.uint8Array(),
  fc.uint8Array().map((bytes) => Buffer.from(bytes)),
  fc.int8Array(),
  fc.uint8ClampedArray(),
  fc.int16Array(),
  fc.uint16Array(),
  fc.int32Array(),
  fc.uint32Array(),
  fc.float32Array(),
  fc.float64Array(),
  fc.bigInt64Array(),
  fc.bigUint64Array(),
  fc.date(), // invalid dates included
  fc
    .tuple(fc.constantFrom(...patterns), fc.subarray(['d', 'g', 'i', 'm', 's', 'u', 'y']))
    .map(([source, flags]) => new RegExp(source, flags.join(''))),
);

const errorTypes = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];

export const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('array'),
    tie('object'),
    tie('map'),
    tie('set'),
    tie('error'),
    tie('instance'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(fc.string(), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  map: fc
    .array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 })
    .map((entries) => new Map(entries)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
  instance: fc.tuple(fc.double(), tie('value')).map(([x, label]) => new Point(x, label)),
  error: fc
    .record({
      type: fc.constantFrom(...errorTypes, 'AggregateError', 'CustomError'),
      message: fc.string(),
      cause: fc.option(tie('value'), { nil: undefined }),
      fields: fc.dictionary(
        fc.string().filter((k) => !['name', 'message', 'stack', 'cause'].includes(k)),
        tie('value'),
        { maxKeys: 2, noNullPrototype: true },
      ),
      errors: fc.array(tie('value'), { maxLength: 2 }),
    })
    .map(({ type, message, cause, fields, errors }) => {
      const options = cause === undefined ? undefined : { cause };
      let error: Error;
      if (type === 'AggregateError') error = new AggregateError(errors, message, options);
      else if (type === 'CustomError') {
        error = new Error(message, options);
        error.name = 'CustomError';
      } else error = new (type as ErrorConstructor)(message, options);
      for (const [key, item] of Object.entries(fields)) {
        Object.defineProperty(error, key, {
          value: item,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
      return error;
    }),
}));

/**
 * A graph of containers (arrays, objects, Maps, Sets, errors) whose edges point anywhere,
 * themselves included: shared objects and cycles of every shape. Its first node is the value.
 */
export const graph: fc.Arbitrary<unknown> = fc
  .array(
    fc.record({
      kind: fc.constantFrom('array', 'object', 'map', 'set', 'error'),
      edges: fc.array(fc.nat(), { maxLength: 4 }),
      leaf,
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((nodes) => {
    const objects: object[] = nodes.map(({ kind }) => {
      if (kind === 'array') return [];
      if (kind === 'map') return new Map();
      if (kind === 'set') return new Set();
      if (kind === 'error') return new Error('node');
      return {};
    });
    nodes.forEach(({ edges, leaf: item }, i) => {
      const node = objects[i]!;
      const targets = edges.map((edge) => objects[edge % objects.length]!);
      if (Array.isArray(node)) {
        node.push(item, ...targets);
      } else if (node instanceof Map) {
        for (const [k, target] of targets.entries()) node.set(target, k);
        node.set('leaf', item);
      } else if (node instanceof Set) {
        for (const target of [item, ...targets]) node.add(target);
      } else if (node instanceof Error) {
        node.cause = targets[0] ?? item;
        for (const [k, target] of targets.slice(1).entries())
          Object.assign(node, { [`f${k}`]: target });
      } else {
        Object.assign(node, { leaf: item });
        for (const [k, target] of targets.entries()) Object.assign(node, { [`e${k}`]: target });
      }
    });
    return objects[0];
  });
