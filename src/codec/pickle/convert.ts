/**
 * The second decoding pass: turns the node graph into JavaScript values (see `nodes.ts`).
 * Every node is converted once and its result remembered before its children are converted,
 * so shared references stay shared, cycles come out as cycles, and the work is linear in the
 * size of the graph. Depth is checked here, on the path from the root.
 */
import { CodecError, LimitError } from '../../errors.js';
import {
  DictNode,
  ExceptionNode,
  GlobalNode,
  ListNode,
  PartNode,
  SetNode,
  TupleNode,
} from './nodes.js';
import { exceptionArgsSlot, PyException, PyFrozenSet } from './values.js';

export class Converter {
  private readonly done = new Map<object, unknown>();
  private depth = 0;

  constructor(private readonly maxDepth: number) {}

  /**
   * @throws {LimitError} past `maxDepth`.
   * @throws {CodecError} for a global or datetime part used as a value.
   */
  convert(node: unknown): unknown {
    if (typeof node !== 'object' || node === null) {
      return node;
    }
    if (this.done.has(node)) {
      return this.done.get(node);
    }
    if (node instanceof GlobalNode) {
      throw new CodecError(
        `farcall: pickle ${node.qualifiedName} can only be called, not used as a value`,
      );
    }
    if (node instanceof PartNode) {
      throw new CodecError(
        `farcall: pickle ${node.qualifiedName} is only supported as part of a UTC datetime`,
      );
    }
    const container =
      node instanceof ListNode ||
      node instanceof TupleNode ||
      node instanceof DictNode ||
      node instanceof SetNode ||
      node instanceof ExceptionNode;
    if (!container) {
      // Scalars that are objects (Uint8Array, PyByteArray, Date, PyDecimal) are final.
      return node;
    }
    this.depth++;
    if (this.depth > this.maxDepth) {
      throw new LimitError(
        `farcall: pickle nests deeper than ${this.maxDepth} levels (limits.maxDepth)`,
      );
    }
    const value = this.convertContainer(node);
    this.depth--;
    return value;
  }

  private convertContainer(
    node: ListNode | TupleNode | DictNode | SetNode | ExceptionNode,
  ): unknown {
    if (node instanceof ListNode || node instanceof TupleNode) {
      const array: unknown[] = [];
      this.done.set(node, array);
      this.fill(array, node.items);
      return node instanceof TupleNode ? Object.freeze(array) : array;
    }
    if (node instanceof DictNode) {
      return this.convertDict(node);
    }
    if (node instanceof SetNode) {
      const set = node.frozen ? new PyFrozenSet<unknown>() : new Set<unknown>();
      this.done.set(node, set);
      for (const item of node.items) {
        set.add(this.convert(item));
      }
      return set;
    }
    return this.convertException(node);
  }

  private fill(target: unknown[], items: readonly unknown[]): void {
    for (const item of items) {
      target.push(this.convert(item));
    }
  }

  /**
   * A dict becomes a plain object when all its keys are strings (and it is not an
   * OrderedDict), else a `Map`. Object keys are set with `defineProperty`, so a key such as
   * `__proto__` is an ordinary own property and never reaches a prototype.
   */
  private convertDict(node: DictNode): unknown {
    if (node.ordered || !node.hasOnlyStringKeys()) {
      const map = new Map<unknown, unknown>();
      this.done.set(node, map);
      for (const [key, value] of node.entries()) {
        map.set(this.convert(key), this.convert(value));
      }
      return map;
    }
    const object: Record<string, unknown> = {};
    this.done.set(node, object);
    for (const [key, value] of node.entries()) {
      Object.defineProperty(object, key as string, {
        value: this.convert(value),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return object;
  }

  private convertException(node: ExceptionNode): PyException {
    const args = exceptionArgsSlot();
    const exception = new PyException(node.name, args);
    this.done.set(node, exception);
    this.fill(args, node.args.items);
    Object.freeze(args);
    if (node.state !== undefined) {
      exception.state = this.convert(node.state);
    }
    return exception;
  }
}
