/**
 * What an object is, for the MessagePack encoder and its shared-object pre-pass: one switch on
 * a small number instead of a chain of `instanceof` in each place that walks a value.
 */

export const Kind = {
  ARRAY: 0,
  /** Prototype `Object.prototype` or null. */
  PLAIN: 1,
  MAP: 2,
  SET: 3,
  DATE: 4,
  REGEXP: 5,
  ERROR: 6,
  /** A Uint8Array (a Buffer included): bin. */
  BYTES: 7,
  /** Any other typed array farcall carries: extension 0x74. */
  TYPED_ARRAY: 8,
  /** A class instance: its own enumerable properties, or what its `toJSON` returns. */
  INSTANCE: 9,
  /** A promise or thenable: only through `ValueHooks.replace`. */
  PROMISE: 10,
  /** A ReadableStream (it has `getReader`): only through `ValueHooks.replace`. */
  STREAM: 11,
  /** An async iterable that is none of the above: only through `ValueHooks.replace`. */
  ASYNC_ITERABLE: 12,
  /** Objects that would arrive as `{}` or worse: refused, with a reason (`refusal`). */
  REFUSED: 13,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

type Probe = { then?: unknown; getReader?: unknown; [Symbol.asyncIterator]?: unknown };

/** Classifies a non-null object. Cheap for the common cases, which come first. */
export function kindOf(value: object): Kind {
  if (Array.isArray(value)) return Kind.ARRAY;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    // A plain object can still be a thenable or an async iterable made by hand.
    const probe = value as Probe;
    if (typeof probe.then === 'function') return Kind.PROMISE;
    if (typeof probe[Symbol.asyncIterator] === 'function') return Kind.ASYNC_ITERABLE;
    return Kind.PLAIN;
  }
  if (ArrayBuffer.isView(value)) {
    if (value instanceof Uint8Array) return Kind.BYTES;
    return value instanceof DataView ? Kind.REFUSED : Kind.TYPED_ARRAY;
  }
  if (value instanceof Map) return Kind.MAP;
  if (value instanceof Set) return Kind.SET;
  if (value instanceof Date) return Kind.DATE;
  if (value instanceof Error) return Kind.ERROR;
  if (value instanceof RegExp) return Kind.REGEXP;
  if (
    value instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer) ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof WeakRef
  ) {
    return Kind.REFUSED;
  }
  const probe = value as Probe;
  if (value instanceof Promise || typeof probe.then === 'function') return Kind.PROMISE;
  if (typeof probe.getReader === 'function') return Kind.STREAM;
  if (typeof probe[Symbol.asyncIterator] === 'function') return Kind.ASYNC_ITERABLE;
  return Kind.INSTANCE;
}

/** Why a value of kind REFUSED (or an unsupported typed array) cannot be sent. */
export function refusal(value: object): string {
  if (value instanceof DataView) return 'cannot send a DataView: send a Uint8Array of its bytes';
  if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) {
    return `cannot send a ${value.constructor.name}: its contents cannot be read`;
  }
  if (ArrayBuffer.isView(value)) {
    return `cannot send a ${value.constructor.name}: not a typed array farcall carries`;
  }
  return 'cannot send an ArrayBuffer: send a Uint8Array over it';
}

/** The message when a function, stream or promise meets no `replace` hook (or it refused). */
export function notCarried(kind: Kind | 'function'): string {
  switch (kind) {
    case 'function':
      return 'cannot send a function: callbacks are not supported on this connection';
    case Kind.PROMISE:
      return 'cannot send a promise or thenable: await it before sending its value';
    case Kind.STREAM:
      return 'cannot send a ReadableStream: streams are not supported on this connection';
    default:
      return 'cannot send an async iterable: streams are not supported on this connection';
  }
}
