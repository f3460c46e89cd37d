/**
 * Walks a value once per distinct object, for two jobs of the encoder:
 *
 * - With shared references on, before writing: find every object that occurs more than once
 *   (shared, or on a cycle), so the writer puts an id in front of its first occurrence and a
 *   pointer at the others. It throws the LimitError the writer would throw, before any writing.
 * - With references off, after the writer passed a limit: tell a cycle (a CodecError, since
 *   only references can carry one) from a value that is merely too deep or too big.
 *
 * Each object is walked once however much it is shared, so both are linear in the number of
 * distinct objects: a DAG of 2^50 paths costs 50 steps.
 */
import { LimitError } from '../errors.js';
import { Kind, kindOf } from './msgpack-kind.js';

export class SharedFinder {
  /** For each object the writer may share: false when met once, true when met again. */
  readonly marks = new Map<object, boolean>();
  /** Whether an object was met inside itself (tracked in diagnosis mode only). */
  cycle = false;
  private visited = 0;
  /** The objects being walked, outermost first (diagnosis mode only). */
  private readonly open: Set<object> | undefined;

  /**
   * `diagnose`: look for a cycle and never throw; past the limits, stop walking instead.
   * Otherwise throw LimitError past `maxLevel` levels or `maxItems` values.
   */
  constructor(
    private readonly maxLevel: number,
    private readonly maxDepth: number,
    private readonly maxItems: number,
    diagnose = false,
  ) {
    this.open = diagnose ? new Set() : undefined;
  }

  /** Walks `value`, whose containers are at nesting `level` (the top value is level 1). */
  walk(value: unknown, level: number): void {
    // Every value visited is one the writer counts at least once.
    if (++this.visited > this.maxItems) {
      if (this.open !== undefined) return;
      throw new LimitError(`value has more than ${this.maxItems} items (limits.maxItems)`);
    }
    if (typeof value !== 'object' || value === null) return;
    const kind = kindOf(value);
    const fields = kind === Kind.PLAIN || kind === Kind.INSTANCE;
    // Only what the writer writes itself can be shared: not what a `toJSON` returns or what a
    // `replace` hook gets (walking those would call user code twice); they are written as trees.
    if (kind >= Kind.PROMISE || (kind === Kind.INSTANCE && hasToJSON(value))) return;
    const marks = this.marks;
    if (marks.has(value)) {
      marks.set(value, true);
      if (this.open?.has(value)) this.cycle = true;
      return;
    }
    marks.set(value, false);
    const container = fields || kind <= Kind.SET || kind === Kind.ERROR || kind === Kind.REGEXP;
    if (container && level > this.maxLevel) {
      if (this.open !== undefined) return;
      throw new LimitError(`value nests deeper than ${this.maxDepth} levels (limits.maxDepth)`);
    }
    this.open?.add(value);
    if (fields) {
      for (const key of Object.keys(value)) {
        this.walk((value as Record<string, unknown>)[key], level + 1);
      }
    } else if (kind === Kind.ARRAY) {
      for (const item of value as unknown[]) this.walk(item, level + 1);
    } else if (kind === Kind.MAP) {
      for (const [k, v] of value as Map<unknown, unknown>) {
        this.walk(k, level + 1);
        this.walk(v, level + 1);
      }
    } else if (kind === Kind.SET) {
      for (const item of value as Set<unknown>) this.walk(item, level + 1);
    } else if (kind === Kind.ERROR) {
      const error = value as Error;
      this.walk(error.cause, level + 1);
      for (const key of errorFieldKeys(error)) {
        this.walk((error as unknown as Record<string, unknown>)[key], level + 1);
      }
    }
    this.open?.delete(value);
  }
}

export function hasToJSON(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * The fields an error carries besides name, message and cause: its own enumerable properties
 * (a `status` set by a subclass), and an AggregateError's `errors`, which is not enumerable.
 */
export function errorFieldKeys(error: Error): string[] {
  const keys: string[] = [];
  for (const key of Object.keys(error)) {
    if (key !== 'name' && key !== 'message' && key !== 'stack' && key !== 'cause') keys.push(key);
  }
  if (
    error instanceof AggregateError &&
    Array.isArray(error.errors) &&
    !Object.prototype.propertyIsEnumerable.call(error, 'errors')
  ) {
    keys.push('errors');
  }
  return keys;
}
