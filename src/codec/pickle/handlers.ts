/**
 * What REDUCE does for each allowed global. A handler receives the argument tuple as graph
 * values (see `nodes.ts`) and returns a graph value. Handlers check the exact argument shape
 * CPython writes and refuse anything else; none of them calls anything named by the stream.
 */
import { CodecError } from '../../errors.js';
import { dateFromState } from './datetime.js';
import {
  DictNode,
  ExceptionNode,
  isHashable,
  ListNode,
  PartNode,
  SetNode,
  TupleNode,
} from './nodes.js';
import { encodeLatin1 } from './text.js';
import { isDecimalString, PyByteArray, PyDecimal } from './values.js';

/** The budget a handler charges for what it copies, so that copying stays linear. */
export interface CallContext {
  /** Counts container items against `maxItems`. */
  chargeItems(count: number): void;
  /** Counts copied bytes against the copy budget (twice the input size). */
  chargeBytes(count: number): void;
}

/** REDUCE of an allowed global: `args` is the argument tuple, `name` the global's full name. */
export type GlobalHandler = (args: TupleNode, context: CallContext, name: string) => unknown;

function badArgs(name: string, expected: string): CodecError {
  return new CodecError(`farcall: pickle ${name} takes ${expected}`);
}

/** An exception class: the instance keeps the argument tuple itself (no copy). */
export function exceptionHandler(className: string): GlobalHandler {
  return (args) => new ExceptionNode(className, args);
}

/** `set(iterable)` and `frozenset(iterable)` over a list, tuple or set, or no argument. */
export function setHandler(frozen: boolean): GlobalHandler {
  return (args, context, name) => {
    if (args.items.length === 0) {
      return new SetNode(frozen);
    }
    const source = args.items[0];
    const valid = source instanceof ListNode || source instanceof TupleNode;
    if (args.items.length !== 1 || !(valid || source instanceof SetNode)) {
      throw badArgs(name, 'one list, tuple or set');
    }
    context.chargeItems(source.items.length);
    if (!source.items.every(isHashable)) {
      throw new CodecError(`farcall: pickle ${name} of an unhashable value`);
    }
    return new SetNode(frozen, [...source.items]);
  };
}

/** `bytearray()` or `bytearray(bytes)`: a copy of the bytes. */
export const bytearrayHandler: GlobalHandler = (args, context, name) => {
  const source = args.items.length === 0 ? new Uint8Array(0) : args.items[0];
  if (args.items.length > 1 || !(source instanceof Uint8Array)) {
    throw badArgs(name, 'no argument or one bytes value');
  }
  context.chargeBytes(source.length);
  return new PyByteArray(source);
};

/** `bytes()` (CPython writes `b''` so at protocol 2) or `bytes(bytes)`. */
export const bytesHandler: GlobalHandler = (args, context, name) => {
  const source = args.items.length === 0 ? new Uint8Array(0) : args.items[0];
  if (args.items.length > 1 || !(source instanceof Uint8Array)) {
    throw badArgs(name, 'no argument or one bytes value');
  }
  if (!(source instanceof PyByteArray)) {
    // Python's bytes(b) returns b itself for a bytes value; sharing it costs nothing.
    return source;
  }
  context.chargeBytes(source.length);
  const copy = new Uint8Array(source.length);
  copy.set(source);
  return copy;
};

/** `_codecs.encode(text, 'latin1')`, the form protocols 0 to 2 use for bytes; nothing else. */
export const codecsEncodeHandler: GlobalHandler = (args, context, name) => {
  const [text, encoding] = args.items;
  if (args.items.length !== 2 || typeof text !== 'string' || encoding !== 'latin1') {
    throw badArgs(name, "exactly (str, 'latin1')");
  }
  context.chargeBytes(text.length);
  return encodeLatin1(text, '_codecs.encode argument');
};

/** `OrderedDict()` (Python 3) or `OrderedDict([[key, value], ...])` (Python 2). */
export const orderedDictHandler: GlobalHandler = (args, context, name) => {
  const dict = new DictNode(true);
  if (args.items.length === 0) {
    return dict;
  }
  const pairs = args.items[0];
  if (args.items.length !== 1 || !(pairs instanceof ListNode || pairs instanceof TupleNode)) {
    throw badArgs(name, 'no argument or one list of pairs');
  }
  context.chargeItems(pairs.items.length);
  for (const pair of pairs.items) {
    const valid = pair instanceof ListNode || pair instanceof TupleNode;
    if (!valid || pair.items.length !== 2) {
      throw badArgs(name, 'no argument or one list of pairs');
    }
    dict.set(pair.items[0], pair.items[1]);
  }
  return dict;
};

/** The state bytes of a date or datetime, also as a Latin-1 `str` (Python 2 pickles). */
function stateBytes(value: unknown, context: CallContext): Uint8Array | undefined {
  if (value instanceof Uint8Array) {
    return value;
  }
  if (typeof value === 'string' && value.length <= 10) {
    context.chargeBytes(value.length);
    return encodeLatin1(value, 'datetime state');
  }
  return undefined;
}

/** `datetime(state)` or `datetime(state, timezone.utc)`. */
export const datetimeHandler: GlobalHandler = (args, context, name) => {
  const [state, tz] = args.items;
  const bytes = stateBytes(state, context);
  const tzValid = args.items.length === 1 || (tz instanceof PartNode && tz.kind === 'utc-timezone');
  if (bytes === undefined || args.items.length > 2 || !tzValid) {
    throw badArgs(name, 'its pickled state and at most datetime.timezone.utc');
  }
  return dateFromState(bytes, 'datetime');
};

/** `date(state)`. */
export const dateHandler: GlobalHandler = (args, context, name) => {
  const bytes = stateBytes(args.items[0], context);
  if (bytes === undefined || args.items.length !== 1) {
    throw badArgs(name, 'its pickled state');
  }
  return dateFromState(bytes, 'date');
};

/** `timedelta(0, 0, 0)`, which only `timezone.utc` needs; any other duration is refused. */
export const timedeltaHandler: GlobalHandler = (args, _context, name) => {
  const zero = args.items.every((item) => item === 0);
  if (args.items.length !== 3 || !zero) {
    throw new CodecError(`farcall: pickle ${name} is supported only as the zero UTC offset`);
  }
  return new PartNode(name, 'zero-timedelta');
};

/** `timezone(timedelta(0))` or `timezone(timedelta(0), name)`: UTC only. */
export const timezoneHandler: GlobalHandler = (args, _context, name) => {
  const [offset, label] = args.items;
  const zero = offset instanceof PartNode && offset.kind === 'zero-timedelta';
  const labelValid =
    args.items.length === 1 || (args.items.length === 2 && typeof label === 'string');
  if (!zero || !labelValid) {
    throw new CodecError(`farcall: pickle ${name} is supported only for UTC`);
  }
  return new PartNode(name, 'utc-timezone');
};

/** `Decimal(str)`, with the string in the form `str(Decimal(...))` gives. */
export const decimalHandler: GlobalHandler = (args, _context, name) => {
  const [text] = args.items;
  if (args.items.length !== 1 || typeof text !== 'string' || !isDecimalString(text)) {
    throw badArgs(name, 'one decimal string');
  }
  return new PyDecimal(text);
};
