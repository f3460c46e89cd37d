/**
 * The native protocol's messages of streams and references (docs/protocol.md, "Streams" and
 * "Callbacks"), as arrays and back. A call of a reference (INVOKE) is a call and is read with
 * the calls (messages.ts); the rest are read here.
 */
import { ProtocolError } from '../../errors.js';
import type { ObjectMessage } from '../protocol.js';
import { idOf, MessageType, wireErrorObject, wireErrorOf } from './messages.js';

/** What stands behind the reference tag (fixext1 0x52): `[kind, id]`. */
export const ReferenceKind = {
  /** An async iterable or a `ReadableStream`, read by credit (ITEM … END). */
  STREAM: 1,
  /** A function the receiver may call (INVOKE). */
  FUNCTION: 2,
} as const;
export type ReferenceKind = (typeof ReferenceKind)[keyof typeof ReferenceKind];

/** The array of one message. */
export function objectMessage(message: ObjectMessage): unknown[] {
  switch (message.type) {
    case 'item':
      return [MessageType.ITEM, message.stream, message.value];
    case 'end':
      return [MessageType.END, message.stream];
    case 'fail':
      return [MessageType.FAIL, message.stream, wireErrorObject(message.error)];
    case 'credit':
      return [MessageType.CREDIT, message.stream, message.items, message.bytes];
    case 'stop':
      return [MessageType.STOP, message.stream];
    case 'retain':
      return [MessageType.RETAIN, message.reference];
    case 'release':
      return [MessageType.RELEASE, message.reference];
  }
}

/** Reads one decoded message; throws `ProtocolError` for any other shape. */
export function readObjectMessage(m: unknown): ObjectMessage {
  if (!Array.isArray(m) || m.length < 2) throw new ProtocolError('message is not an array');
  switch (m[0]) {
    case MessageType.ITEM:
      if (m.length < 3) throw new ProtocolError('a stream item has no value');
      return { type: 'item', stream: idOf(m[1]), value: m[2] };
    case MessageType.END:
      return { type: 'end', stream: idOf(m[1]) };
    case MessageType.FAIL:
      return { type: 'fail', stream: idOf(m[1]), error: wireErrorOf(m[2]) };
    case MessageType.CREDIT:
      return {
        type: 'credit',
        stream: idOf(m[1]),
        items: creditOf(m[2], 'items'),
        bytes: creditOf(m[3], 'bytes'),
      };
    case MessageType.STOP:
      return { type: 'stop', stream: idOf(m[1]) };
    case MessageType.RETAIN:
      return { type: 'retain', reference: idOf(m[1]) };
    case MessageType.RELEASE:
      return { type: 'release', reference: idOf(m[1]) };
    default:
      throw new ProtocolError(
        `unexpected message type ${typeof m[0] === 'number' ? m[0] : `of type ${typeof m[0]}`}`,
      );
  }
}

/** A credit is a whole number of items or bytes, zero or more, up to 2^32 - 1. */
function creditOf(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
    return value;
  }
  throw new ProtocolError(`stream credit ${what} is not an unsigned 32-bit integer`);
}

/** What the reference tag stood for, as the receiver reads it. */
export interface ReferenceValue {
  readonly kind: ReferenceKind;
  readonly id: number;
}

/** Reads what follows a reference tag; throws `ProtocolError` for anything but `[kind, id]`. */
export function referenceOf(value: unknown): ReferenceValue {
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    (value[0] === ReferenceKind.STREAM || value[0] === ReferenceKind.FUNCTION)
  ) {
    return { kind: value[0], id: idOf(value[1]) };
  }
  throw new ProtocolError('a reference tag is not followed by [1 or 2, id]');
}
