/**
 * The property every hostile MessagePack body must satisfy: decoding it returns or throws
 * CodecError/LimitError and nothing else; skipping it refuses exactly what decoding refuses;
 * and what a successful decode built stays within the item budget, counted independently
 * from the decoded value (through references, as the limit counts).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { CodecOptions } from '../../src/codec/codec.js';
import { decodeMsgpack, MsgpackReader } from '../../src/codec/msgpack.js';
import { CodecError, LimitError } from '../../src/errors.js';

/** Connections as they may be set: references on or off, revive hook or not, tight limits. */
export const decodingOptions: fc.Arbitrary<CodecOptions> = fc.constantFrom<CodecOptions>(
  { maxDepth: 64, maxItems: 1_000_000 },
  { maxDepth: 64, maxItems: 1_000_000, references: true },
  { maxDepth: 64, maxItems: 1_000_000, envelope: 2, hooks: { revive: (v) => v } },
  { maxDepth: 8, maxItems: 2_000, references: true, hooks: { revive: (v) => v } },
  { maxDepth: 2, maxItems: 50, references: true },
);

type Outcome = 'ok' | 'codec' | 'limit';

function outcomeOf(run: () => void): Outcome {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof CodecError) return 'codec';
    if (error instanceof LimitError) return 'limit';
    throw error; // anything else breaks the codec's contract
  }
}

/**
 * Values in what was built, by the limit's rule: one per value and per map key; a tagged
 * container one for itself; an object met again counts what it counted the first time, one
 * if it is still being walked (a cycle). An AggregateError's empty `errors` (which the decoder
 * makes itself) is not counted, so this is never more than the decoder's own count.
 */
export function countBuilt(value: unknown): number {
  const closed = new Map<object, number>();
  const open = new Set<object>();
  const walk = (v: unknown): number => {
    if (typeof v !== 'object' || v === null) return 1;
    if (open.has(v)) return 1;
    const known = closed.get(v);
    if (known !== undefined) return known;
    open.add(v);
    let n = 1;
    if (Array.isArray(v)) for (const item of v) n += walk(item);
    else if (v instanceof Map) for (const [key, item] of v) n += walk(key) + walk(item);
    else if (v instanceof Set) for (const item of v) n += walk(item);
    else if (v instanceof RegExp) n += 2;
    else if (v instanceof Error) {
      n += 2 + walk(v.cause);
      for (const key of Object.keys(v)) if (key !== 'name') n += 1 + walk((v as never)[key]);
      if (v instanceof AggregateError && v.errors.length > 0) n += 1 + walk(v.errors);
    } else if (!(v instanceof Date) && !ArrayBuffer.isView(v)) {
      for (const key of Object.keys(v)) n += 1 + walk((v as Record<string, unknown>)[key]);
    }
    open.delete(v);
    closed.set(v, n);
    return n;
  };
  return walk(value);
}

/** Checks the property for one body under one set of options. */
export function checkHostile(bytes: Uint8Array, options: CodecOptions): void {
  let built: unknown;
  const decoded = outcomeOf(() => {
    built = decodeMsgpack(bytes, options);
  });
  const skipped = outcomeOf(() => {
    const reader = new MsgpackReader(bytes, options);
    reader.skip();
    reader.end();
  });
  expect(skipped).toBe(decoded);
  if (decoded !== 'ok') return;
  const reader = new MsgpackReader(bytes, options);
  reader.value();
  expect(countBuilt(built)).toBeLessThanOrEqual(reader.items);
  expect(reader.items).toBeLessThanOrEqual(options.maxItems);
}
