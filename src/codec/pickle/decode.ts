/**
 * `decodePickle`: runs the opcodes on a stack machine (`machine.ts`, `ops-*.ts`) to build a
 * node graph, then converts the graph to JavaScript values (`convert.ts`). The loop never
 * recurses, every length is checked against the remaining input before it is used, and the
 * work done is linear in the input size. Every value pushed is charged against `maxItems`, so
 * the heap a pickle makes is bounded by `maxItems` times a small constant (a few hundred bytes
 * at worst: an empty `Set` is one of the largest values one opcode can make) plus the input's
 * size for strings, bytes and ints.
 */
import { CodecError, LimitError, UsageError } from '../../errors.js';
import { Converter } from './convert.js';
import { type DecodeLimits, Machine } from './machine.js';
import { opName } from './opcodes.js';
import { containerOps } from './ops-container.js';
import { objectOps } from './ops-object.js';
import { scalarOps } from './ops-scalar.js';
import { stackOps } from './ops-stack.js';
import type { OpHandler } from './ops-table.js';
import { withStackGuard } from './stack-guard.js';

/** Limits on what `decodePickle` accepts. */
export interface DecodeOptions {
  /**
   * Deepest nesting of containers (lists, tuples, dicts, sets, exceptions) in the result;
   * default 64, at most 1000. A cycle counts as deep as the path that walks it.
   */
  maxDepth?: number;
  /** Largest input accepted, in bytes; default: no limit beyond the input itself. */
  maxBytes?: number;
  /**
   * Most values in total, default 1,000,000: every value an opcode pushes counts one (a
   * container, a string, a number, a memo GET of a value pushed before, a DUP), as do every
   * MARK, every memo slot, and every item that a call such as `set(list)` copies.
   */
  maxItems?: number;
}

const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_ITEMS = 1_000_000;
/** Conversion recurses once per level; past this the JavaScript stack could run out. */
const MAX_DEPTH_LIMIT = 1000;

const handlers: Array<OpHandler | undefined> = new Array<OpHandler | undefined>(256);
for (const [code, handler] of [...scalarOps(), ...containerOps(), ...stackOps(), ...objectOps()]) {
  handlers[code] = handler;
}

function limitOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) {
    return fallback;
  }
  if (!Number.isInteger(value) || value <= 0) {
    throw new UsageError(`farcall: decodePickle option ${name} must be a positive integer`);
  }
  return value;
}

function resolveLimits(options: DecodeOptions): DecodeLimits {
  const maxDepth = limitOption(options.maxDepth, DEFAULT_MAX_DEPTH, 'maxDepth');
  if (maxDepth > MAX_DEPTH_LIMIT) {
    throw new UsageError(
      `farcall: decodePickle option maxDepth must be at most ${MAX_DEPTH_LIMIT}`,
    );
  }
  return { maxDepth, maxItems: limitOption(options.maxItems, DEFAULT_MAX_ITEMS, 'maxItems') };
}

/**
 * Decodes a pickle of protocol 0 to 5 into a JavaScript value (the mapping is documented in
 * `index.ts`). Decoding never calls a function named by the stream and never touches a
 * prototype: globals are looked up in a fixed allow-list and turned into data.
 *
 * Bytes after the STOP opcode are refused (CPython ignores them; a framed RPC message has
 * none, so trailing bytes mean corruption).
 *
 * @throws {CodecError} for malformed or refused input: a global not on the allow-list (named
 *   in the message), an unsupported or unknown opcode (named), a truncated stream, a stack
 *   underflow, a missing memo entry, an argument shape an allowed call does not take, trailing
 *   bytes.
 * @throws {LimitError} for input past `maxBytes`, `maxDepth` (`limits.maxDepth` in the
 *   message) or `maxItems` (`limits.maxItems`), or copies past twice the input's size.
 * @throws {UsageError} when `bytes` is not a `Uint8Array` or an option is not a positive
 *   integer (or `maxDepth` is above 1000).
 */
export function decodePickle(bytes: Uint8Array, options: DecodeOptions = {}): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new UsageError('farcall: decodePickle takes a Uint8Array');
  }
  const limits = resolveLimits(options);
  const maxBytes = limitOption(options.maxBytes, Number.POSITIVE_INFINITY, 'maxBytes');
  if (bytes.length > maxBytes) {
    throw new LimitError(`farcall: pickle of ${bytes.length} bytes is over maxBytes (${maxBytes})`);
  }
  const machine = new Machine(bytes, limits);
  run(machine);
  const trailing = machine.reader.remaining;
  if (trailing > 0) {
    throw new CodecError(`farcall: pickle has ${trailing} bytes after STOP`);
  }
  const converter = new Converter(limits.maxDepth);
  return withStackGuard(() => converter.convert(machine.result!.value));
}

function run(machine: Machine): void {
  const reader = machine.reader;
  while (machine.result === undefined) {
    if (reader.remaining === 0) {
      throw new CodecError('farcall: pickle is truncated: it ends before STOP');
    }
    const code = reader.u8('opcode');
    const handler = handlers[code];
    if (handler === undefined) {
      throw new CodecError(`farcall: pickle opcode ${opName(code)} is unknown`);
    }
    handler(machine);
  }
}
