/**
 * Where a protocol or transport cannot carry streams or callbacks (the Python protocol, HTTP,
 * and later JSON-RPC, XML-RPC, NATS), a value that holds one is refused before it is encoded,
 * with a `CodecError` that says what and where: never a hang, never a silent `{}` (a codec that
 * knows nothing of references would write a hand-made async iterable as an empty map).
 */
import { CodecError, ErrorCode } from '../errors.js';
import type { Answer } from '../protocol/protocol.js';

/** How much of a value the check looks at; a larger value is left to its codec's own refusal. */
const BUDGET = 100_000;
const MAX_DEPTH = 64;

type Probe = { then?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown };

/** What the first value that needs a reference is ('a function', 'an async iterable', …), if any. */
export function uncarried(value: unknown): string | undefined {
  // Most values are scalars, or arrays of them (a call's arguments): no walk for those.
  if (typeof value === 'function') return 'a function';
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value) && value.every(isScalar)) return undefined;
  let budget = BUDGET;
  const walk = (v: unknown, depth: number): string | undefined => {
    if (--budget < 0 || depth > MAX_DEPTH) return undefined;
    if (typeof v === 'function') return 'a function';
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return undefined;
    if (Array.isArray(v)) {
      for (const item of v) {
        const found = walk(item, depth + 1);
        if (found !== undefined || budget < 0) return found;
      }
      return undefined;
    }
    if (v instanceof Date || v instanceof RegExp || v instanceof Error) return undefined;
    let probe: Probe;
    try {
      probe = v as Probe;
      if (typeof probe.getReader === 'function') return 'a ReadableStream';
      if (typeof probe[Symbol.asyncIterator] === 'function') return 'an async iterable';
      if (typeof probe.then === 'function') return undefined; // the codec says to await it
    } catch {
      return undefined;
    }
    const items = v instanceof Map ? [...v.values()] : v instanceof Set ? [...v] : ownValues(v);
    for (const item of items) {
      const found = walk(item, depth + 1);
      if (found !== undefined || budget < 0) return found;
    }
    return undefined;
  };
  return walk(value, 0);
}

function isScalar(value: unknown): boolean {
  return (typeof value !== 'object' || value === null) && typeof value !== 'function';
}

function ownValues(value: object): unknown[] {
  try {
    return Object.values(value);
  } catch {
    return []; // a getter that throws: the codec reports it
  }
}

/** The refusal for `what` (from `uncarried`) over `where` ("HTTP (http://…)"). */
export function notCarried(what: string, where: string): CodecError {
  const feature = what === 'a function' ? 'callbacks are' : 'streams are';
  return new CodecError(`cannot send ${what}: ${feature} not supported over ${where}`);
}

/** Throws `notCarried` when `value` holds a function or a stream. */
export function refuseUncarried(value: unknown, where: string): void {
  const what = uncarried(value);
  if (what !== undefined) throw notCarried(what, where);
}

/**
 * The answer to send in place of a result that holds a function or a stream: an `INTERNAL`
 * error saying so, which the caller gets as a `RemoteError` named `CodecError`.
 */
export function refusedAnswer(answer: Answer, where: string): Answer {
  if (answer.type !== 'result') return answer;
  const what = uncarried(answer.value);
  if (what === undefined) return answer;
  return {
    type: 'error',
    id: answer.id,
    error: {
      name: 'CodecError',
      message: `the result could not be sent: ${notCarried(what, where).message.replace(/^farcall: /, '')}`,
      code: ErrorCode.INTERNAL,
    },
  };
}
