/**
 * The pickle codec, for talking to Python peers (the Python Cookbook's recipe 11.8 RPC, which
 * sends `pickle.dumps((name, args, kwargs))` and answers `pickle.dumps(result)` or
 * `pickle.dumps(exception)`). It is written by hand so that decoding is safe: it never calls a
 * function named by the stream and never touches a prototype. Only the globals below are
 * accepted, each as data; any other global is refused where the stream names it.
 *
 * `decodePickle` reads protocols 0 to 5; `encodePickle` writes 2, 3 or 4 (default 4, no FRAME),
 * memoizing as CPython does: every object, str and global is written once and fetched from the
 * memo after, so output size is linear in the value as a graph (equal strings count as one).
 * A refusal throws `CodecError` with a `farcall:` message naming what was refused; a limit
 * passed throws `LimitError` naming the limit. No message holds decoded content beyond a short,
 * bounded name (a refused global's, cut at 120 characters).
 *
 * Value mapping (Python → JavaScript when decoding; JavaScript → Python when encoding):
 *
 * - `None` ↔ `null`; `undefined` also encodes as `None`. `bool` ↔ `boolean`.
 * - `int` → `number` while it is a safe integer (`Number.isSafeInteger`), else `bigint`.
 *   A safe-integer `number` and any `bigint` encode as `int`.
 * - `float` → `number`, including `inf`, `-inf`, `nan` and `-0.0`. A `number` encodes as
 *   `float` only when it is not a safe integer (a fraction, NaN, ±Infinity, `-0`, or an integral
 *   value beyond 2^53); so a Python `2.0` decodes to `2` and comes back as the int `2`.
 * - `str` ↔ `string`. Lone surrogates travel both ways, as Python's `surrogatepass` writes
 *   them. (Python's surrogate pair written as two separate code points decodes to the single
 *   astral character: JavaScript strings cannot tell them apart.)
 * - Python 2 `str` (STRING, BINSTRING, SHORT_BINSTRING opcodes) → `string`, its bytes read as
 *   Latin-1 (Python 3's default, ASCII, would refuse any byte above 0x7f).
 * - `bytes` ↔ `Uint8Array` (decoded as a plain `Uint8Array`, never a view of the input;
 *   a `Buffer` encodes as `bytes` too). `bytearray` ↔ `PyByteArray` (a `Uint8Array` subclass).
 * - `tuple` → a frozen array (`Object.freeze`); a frozen array encodes as `tuple`, any other
 *   array as `list`. `list` ↔ array.
 * - `dict` → a plain object when every key is a `str` (keys are defined with
 *   `Object.defineProperty`, so `__proto__` is an ordinary own property), else a `Map`. A plain
 *   object (prototype `Object.prototype` or `null`; own enumerable string keys) and a `Map`
 *   encode as `dict`. Note that an empty `Map`, or one with only string keys, comes back as a
 *   plain object, and JavaScript lists integer-like object keys (`'1'`) first.
 * - `collections.OrderedDict` → `Map` (any keys, order kept); a `Map` encodes as plain `dict`.
 * - `set` ↔ `Set`. `frozenset` ↔ `PyFrozenSet` (a `Set` subclass).
 * - Built-in exceptions (`builtins.ValueError('v', 2)`; also Python 2's `exceptions.*`) →
 *   `PyException` with `name`, `module` (`'builtins'`), frozen `args`, and `state` (the
 *   attribute dict a BUILD gives, such as `__notes__`, else `undefined`). It is not an `Error`.
 *   Aliases decode to their Python 3 class (`IOError` → `'OSError'`); CPython's choice of an
 *   `OSError` subclass from the errno (`FileNotFoundError`) is not made. A `PyException` whose
 *   module is `builtins` and name a built-in exception encodes as CPython writes it.
 * - `datetime.datetime` → `Date`: naive values are read as UTC; an aware value is accepted only
 *   with `datetime.timezone.utc`. Microseconds are truncated to milliseconds. `datetime.date`
 *   → `Date` at UTC midnight. A `Date` encodes as a naive `datetime.datetime` holding its UTC
 *   time (so a `date` comes back as a `datetime`). `timezone`/`timedelta` are accepted only
 *   as that UTC offset, never as values of their own.
 * - `decimal.Decimal` ↔ `PyDecimal` (its exact string).
 * - Anything else fails to encode with a `CodecError` naming its type (functions, symbols,
 *   class instances, other typed arrays).
 *
 * Refusals (`CodecError`): a global not on the allow-list, named, at the opcode that names it;
 * INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4, PERSID, BINPERSID, NEXT_BUFFER and READONLY_BUFFER
 * always; BUILD on anything but an exception; unknown opcodes; truncated input; stack
 * underflow; missing memo entries; bytes after STOP (CPython ignores them; a framed message has
 * none, so they mean corruption). Limits (`LimitError`): input over `maxBytes`; nesting over
 * `maxDepth` (default 64); more than `maxItems` (default 1,000,000) values, where every value
 * pushed counts one (a memo GET or DUP of one pushed before counts again), as do MARKs, memo
 * slots and the items that calls such as `set(list)` copy; more than twice the input's bytes
 * copied by calls (`bytearray(bytes)`) or pushed again as ints over 8 bytes (a memo GET or DUP
 * of an int: the encoder writes an int at each use, as CPython does, so an echo would
 * otherwise amplify it). Work and memory are linear in the input: lengths are checked before
 * allocating, the memo is a `Map`, every value made is charged to `maxItems`, and shared
 * values are referenced rather than copied (a memo DAG decodes to the same DAG). The encoder
 * throws `LimitError` for nesting over 1000 levels and for long strings that are near-copies
 * of each other repeated too often to find in its memo in linear time.
 *
 * Allowed globals: the built-in exception classes (under `builtins`, `exceptions`,
 * `__builtin__`), `set`, `frozenset`, `bytearray`, `bytes`, `_codecs.encode` (only as
 * `(str, 'latin1')`), `collections.OrderedDict`, `datetime.datetime`, `datetime.date`,
 * `datetime.timezone` and `datetime.timedelta` (UTC only), and `decimal.Decimal`.
 */
export { type DecodeOptions, decodePickle } from './decode.js';
export { type EncodeOptions, encodePickle } from './encode.js';
export { PyByteArray, PyDecimal, PyException, PyFrozenSet } from './values.js';
