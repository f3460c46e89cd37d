/**
 * The wrapper classes for Python values that have no exact JavaScript counterpart. Each one
 * re-encodes as the Python type it came from, so a value read from a pickle and written back
 * keeps its Python type.
 */

/**
 * A Python `bytearray`: a mutable `Uint8Array` that re-encodes as `bytearray`, where a plain
 * `Uint8Array` encodes as `bytes`.
 */
export class PyByteArray extends Uint8Array {}

/**
 * A Python `frozenset`. It is a `Set` (so `has`, iteration and `size` work as usual) that
 * re-encodes as `frozenset`, where a plain `Set` encodes as `set`. JavaScript does not stop
 * it from being changed; the name records what it was in Python.
 */
export class PyFrozenSet<T = unknown> extends Set<T> {}

/**
 * A Python `decimal.Decimal`, kept as its exact string form (`'1.10'`, `'-Infinity'`, `'NaN'`),
 * since a JavaScript number would round it.
 */
export class PyDecimal {
  readonly value: string;

  /**
   * @throws {TypeError} when `value` is not in the syntax Python's `Decimal(str)` accepts,
   *   because such a value would fail to load on the Python side.
   */
  constructor(value: string) {
    if (!isDecimalString(value)) {
      throw new TypeError(`farcall: ${JSON.stringify(value)} is not a decimal number`);
    }
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

// Each part of the pattern can match a digit in one way only, so a long hostile string cannot
// make the regular expression backtrack. Python's Decimal also accepts surrounding whitespace and underscores between digits. Those
// forms are refused here (and by the decoder): `str(Decimal(...))`, which is what a pickle
// carries, never produces them.
const DECIMAL = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|s?nan\d*)$/i;

/** True when `value` is a decimal literal that `decimal.Decimal(value)` accepts. */
export function isDecimalString(value: string): boolean {
  return DECIMAL.test(value);
}

/**
 * Arrays made by `exceptionArgsSlot` that the `PyException` constructor adopts as they are,
 * rather than copying them. The decoder needs this to build exceptions whose arguments refer
 * back to the exception itself: it must hand out the exception before its arguments exist.
 */
const adoptable = new WeakSet<readonly unknown[]>();

/**
 * An empty array that a `PyException` built from it keeps (not copies). The caller fills it
 * and then freezes it. Internal to the codec: not re-exported by the package.
 */
export function exceptionArgsSlot(): unknown[] {
  const slot: unknown[] = [];
  adoptable.add(slot);
  return slot;
}

/**
 * A Python exception instance, carried as data: its class name (`'TypeError'`), its module
 * (`'builtins'` for every exception the decoder accepts), its `args` tuple, and, when the
 * exception had attributes of its own (`e.foo = 1`, or `__notes__` from `add_note`), the
 * attribute dict as `state`. It is not an `Error`: nothing is thrown by decoding one, and the
 * caller decides whether to throw it (say, as a `RemoteError`).
 */
export class PyException {
  readonly name: string;
  readonly module: string;
  /** The exception's `args` tuple, frozen. */
  readonly args: readonly unknown[];
  /** The exception's attribute dict (a plain object or a `Map`), or `undefined` when none. */
  state: unknown;

  /**
   * @param name the class name, such as `'ValueError'`.
   * @param args the `args` tuple; it is copied and frozen.
   * @param options `module` defaults to `'builtins'`; `state` to `undefined`.
   */
  constructor(
    name: string,
    args: readonly unknown[] = [],
    options: { module?: string; state?: unknown } = {},
  ) {
    this.name = name;
    this.module = options.module ?? 'builtins';
    this.args = adoptable.has(args) ? args : Object.freeze([...args]);
    this.state = options.state;
  }

  /**
   * A readable message, close to Python's `str(exc)`: the single argument when there is one,
   * else the arguments joined by `', '`. A str, number, bool, None or Decimal argument shows as
   * itself; a container or other object as a short tag (`<list of 3>`), so the cost is linear
   * in the arguments however they nest or share (a decoded DAG would make `String` exponential).
   */
  get message(): string {
    return this.args.map(argumentText).join(', ');
  }

  toString(): string {
    const message = this.message;
    return message === '' ? this.name : `${this.name}: ${message}`;
  }
}

/** Ints past this many decimal digits are named, not printed (conversion is quadratic). */
const HUGE_INT = 10n ** 4300n;

function argumentText(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg === null || arg === undefined) return 'None';
  if (typeof arg === 'boolean') return arg ? 'True' : 'False';
  if (typeof arg === 'bigint' && (arg >= HUGE_INT || arg <= -HUGE_INT)) {
    return '<int of more than 4300 digits>';
  }
  if (typeof arg !== 'object') return String(arg);
  if (arg instanceof PyDecimal) return arg.value;
  if (Array.isArray(arg)) return `<${Object.isFrozen(arg) ? 'tuple' : 'list'} of ${arg.length}>`;
  if (arg instanceof PyByteArray) return `<bytearray of ${arg.length}>`;
  if (arg instanceof Uint8Array) return `<bytes of ${arg.length}>`;
  if (arg instanceof PyFrozenSet) return `<frozenset of ${arg.size}>`;
  if (arg instanceof Set) return `<set of ${arg.size}>`;
  if (arg instanceof PyException) return `<${arg.name}>`;
  if (arg instanceof Date) return Number.isNaN(arg.getTime()) ? '<datetime>' : arg.toISOString();
  return '<dict>';
}
