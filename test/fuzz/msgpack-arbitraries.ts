/**
 * fast-check arbitraries of hostile MessagePack bytes, shaped after the issue "Small hostile
 * inputs freeze or crash a farcall server": graphs of shared references (item 2), 0xc1 and
 * tags sprinkled into valid messages and long chains of tags (item 1), long runs of tiny
 * containers (item 4), and mutations of valid messages. Each arbitrary gives a frame body.
 */
import fc from 'fast-check';
import { encodeMsgpack } from '../../src/codec/msgpack.js';
import { value } from '../codec/values.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const u32 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/** Valid messages, written with and without references, to start mutations from. */
export const validMessage: fc.Arbitrary<Uint8Array> = fc
  .tuple(value, fc.boolean())
  .map(([v, references]) =>
    encodeMsgpack([1, 7, 'echo', [v]], { maxDepth: 64, maxItems: 1e7, envelope: 2, references }),
  );

interface RefNode {
  id: number;
  items: (number | string | RefNode)[];
}

const arrayHeader = (length: number) =>
  length < 16 ? (0x90 | length).toString(16) : `dc${length.toString(16).padStart(4, '0')}`;

function renderNode(node: RefNode): string {
  const items = node.items.map((item) =>
    typeof item === 'number'
      ? `d670${u32(item)}`
      : typeof item === 'string'
        ? item
        : renderNode(item),
  );
  return `${node.id > 0 ? `d669${u32(node.id)}` : ''}${arrayHeader(items.length)}${items.join('')}`;
}

/**
 * Shared references (0x69 ids, 0x70 pointers) as a hostile peer would arrange them: random
 * trees of arrays with ids, and pointers to ids defined before, inside (cycles), twice, or
 * never.
 */
const randomReferences: fc.Arbitrary<Uint8Array> = fc
  .letrec<{ node: RefNode }>((tie) => ({
    node: fc.record({
      id: fc.integer({ min: 0, max: 12 }),
      items: fc.array(
        fc.oneof(
          { depthSize: 'small' },
          fc.integer({ min: 1, max: 12 }),
          fc.constantFrom('c0', '01', 'a161', 'd40000'),
          tie('node'),
        ),
        { maxLength: 6 },
      ),
    }),
  }))
  .node.map((node) => hex(renderNode(node)));

/**
 * The DAG bomb and its relatives: `levels` arrays, each holding `fanOut` pointers to the one
 * below (defined in place the first time), so `levels` of them describe fanOut^levels values.
 */
const referenceBombs: fc.Arbitrary<Uint8Array> = fc
  .record({ levels: fc.integer({ min: 1, max: 60 }), fanOut: fc.integer({ min: 1, max: 4 }) })
  .map(({ levels, fanOut }) => {
    let open = '';
    let close = '';
    for (let level = levels; level >= 1; level--) {
      open += `d669${u32(level + 1)}${arrayHeader(fanOut + 1)}`;
      close = `d670${u32(level)}`.repeat(fanOut) + close;
    }
    return hex(`${open}d669${u32(1)}9100${close}`);
  });

export const referenceGraph: fc.Arbitrary<Uint8Array> = fc.oneof(randomReferences, referenceBombs);

/** A valid message with bytes 0xc1 put in or written over at random places. */
export const withC1: fc.Arbitrary<Uint8Array> = fc
  .tuple(validMessage, fc.array(fc.tuple(fc.nat(), fc.boolean()), { minLength: 1, maxLength: 4 }))
  .map(([bytes, places]) => {
    const out = [...bytes];
    for (const [place, overwrite] of places) {
      const at = place % (out.length + 1);
      if (overwrite && at < out.length) out[at] = 0xc1;
      else out.splice(at, 0, 0xc1);
    }
    return Uint8Array.from(out);
  });

/** The smallest values and containers, repeated: many small allocations per byte. */
const tiny = ['80', '90', 'a0', 'c0', 'd40000', 'd42d00', 'c400', '9190', '8100c0', 'd4730090'];

/** An array32 header announcing a count, then runs of tiny values (honest count or not). */
export const tinyRuns: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...tiny), fc.integer({ min: 1, max: 20_000 })), {
      minLength: 1,
      maxLength: 4,
    }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([runs, announced]) => {
    const items = runs.reduce((sum, [, times]) => sum + times, 0);
    const body = runs.map(([token, times]) => token.repeat(times)).join('');
    return hex(`dd${u32(announced ?? items)}${body}`);
  });

/** What a tag chain is made of: each opens one level and needs a value after it. */
const chainLinks = [
  '91', // array
  '81a0', // map with one key
  'd4730091', // Set tag and its array
  'd46d0092c0', // Map tag, a key, then the value
  'd4650093a0a0', // Error tag, name and message, then the cause
  'd4780092', // RegExp tag, then a source that is not a string
  'd45200', // reference tag
];

/** Long chains of tags and containers in random order, then a leaf (or not). */
export const tagChain: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...chainLinks), fc.integer({ min: 1, max: 2000 })), {
      minLength: 1,
      maxLength: 5,
    }),
    fc.constantFrom('c0', 'a0', ''),
  )
  .map(([links, leaf]) => hex(links.map(([link, times]) => link.repeat(times)).join('') + leaf));

/** A valid message changed: bytes flipped, inserted, removed, a slice repeated, the end cut. */
export const mutated: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    validMessage,
    fc.array(
      fc.record({
        op: fc.constantFrom('flip', 'insert', 'remove', 'repeat', 'cut'),
        at: fc.nat(),
        byte: fc.integer({ min: 0, max: 255 }),
        length: fc.integer({ min: 1, max: 16 }),
        times: fc.integer({ min: 1, max: 50 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  )
  .map(([bytes, edits]) => {
    let out = [...bytes];
    for (const { op, at: place, byte, length, times } of edits) {
      const at = place % (out.length + 1);
      if (op === 'flip' && at < out.length) out[at] = byte;
      else if (op === 'insert') out.splice(at, 0, byte);
      else if (op === 'remove') out.splice(at, length);
      else if (op === 'repeat') {
        const slice = out.slice(at, at + length);
        out.splice(at, 0, ...Array.from({ length: times }, () => slice).flat());
      } else if (op === 'cut') out = out.slice(0, at);
    }
    return Uint8Array.from(out);
  });

/** Any of the above, or plain random bytes. */
export const hostileMessage: fc.Arbitrary<Uint8Array> = fc.oneof(
  referenceGraph,
  withC1,
  tinyRuns,
  tagChain,
  mutated,
  fc.uint8Array({ maxLength: 256 }),
);
