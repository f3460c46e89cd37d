import { type CodecOptions, decodeMsgpack, encodeMsgpack } from '../../codec/msgpack.js';
import { ProtocolError } from '../../errors.js';
import type { Limits } from '../../limits.js';
import type { Message, WireError } from '../protocol.js';

/**
 * Message type numbers of the native protocol (docs/protocol.md). Each message is one
 * MessagePack array whose first item is its type.
 */
export const MessageType = {
  HELLO: 0,
  CALL: 1,
  NOTIFY: 2,
  RESULT: 3,
  ERROR: 4,
  CANCEL: 5,
  PING: 6,
  PONG: 7,
  AUTH: 8,
  AUTH_OK: 9,
  AUTH_FAIL: 10,
} as const;

/** The message array and the `args` array sit above user values; the depth limit skips them. */
const ENVELOPE_DEPTH = 2;

/**
 * The codec options of a connection's messages: its depth and item limits, with the envelope
 * levels not counted. Shared references stay off until HELLO negotiates them.
 */
export function messageCodecOptions(limits: Pick<Limits, 'maxDepth' | 'maxItems'>): CodecOptions {
  return {
    maxDepth: limits.maxDepth,
    maxItems: limits.maxItems,
    envelope: ENVELOPE_DEPTH,
    references: false,
  };
}

interface CallOptions {
  meta?: Record<string, string>;
  timeout?: number;
  kwargs?: Record<string, unknown>;
}

/**
 * Encodes one message. Throws `CodecError` when a value cannot be carried and `LimitError`
 * when it nests deeper than `maxDepth` or has more than `maxItems` items.
 */
export function encodeMessage(message: Message, codec: CodecOptions): Uint8Array {
  switch (message.type) {
    case 'call': {
      const options = callOptions(message.meta, message.timeoutMs, message.kwargs);
      const array: unknown[] = [MessageType.CALL, message.id, message.method, message.args];
      if (options) array.push(options);
      return encodeMsgpack(array, codec);
    }
    case 'notify': {
      const options = callOptions(message.meta, undefined, message.kwargs);
      const array: unknown[] = [MessageType.NOTIFY, message.method, message.args];
      if (options) array.push(options);
      return encodeMsgpack(array, codec);
    }
    case 'result':
      return encodeMsgpack([MessageType.RESULT, message.id, message.value], codec);
    case 'error':
      return encodeMsgpack([MessageType.ERROR, message.id, wireErrorObject(message.error)], codec);
    case 'cancel':
      return encodeMsgpack([MessageType.CANCEL, message.id], codec);
    case 'ping':
      return encodeMsgpack([MessageType.PING, message.nonce], codec);
    case 'pong':
      return encodeMsgpack([MessageType.PONG, message.nonce], codec);
  }
}

function callOptions(
  meta: Record<string, string> | undefined,
  timeout: number | undefined,
  kwargs: Record<string, unknown> | undefined,
): CallOptions | undefined {
  if (meta === undefined && timeout === undefined && kwargs === undefined) return undefined;
  const options: CallOptions = {};
  if (meta !== undefined) options.meta = meta;
  if (timeout !== undefined) options.timeout = timeout;
  if (kwargs !== undefined) options.kwargs = kwargs;
  return options;
}

function wireErrorObject(error: WireError): Record<string, unknown> {
  const object: Record<string, unknown> = {
    name: error.name,
    message: error.message,
    code: error.code,
  };
  if (error.data !== undefined) object.data = error.data;
  if (error.stack !== undefined) object.stack = error.stack;
  return object;
}

/**
 * Decodes one message, checking its shape. Throws `ProtocolError` for a message of the wrong
 * shape or an unknown type, `CodecError` for bytes that are not MessagePack, and `LimitError`
 * for nesting past `maxDepth` or more than `maxItems` items. Handshake types are refused here:
 * they belong to the handshake.
 */
export function decodeMessage(frame: Uint8Array, codec: CodecOptions): Message {
  const m = decodeMsgpack(frame, codec);
  if (!Array.isArray(m) || m.length < 2) throw new ProtocolError('message is not an array');
  switch (m[0]) {
    case MessageType.CALL: {
      const options = optionsOf(m[4]);
      return {
        type: 'call',
        id: idOf(m[1]),
        method: stringOf(m[2], 'method'),
        args: arrayOf(m[3]),
        meta: options?.meta,
        timeoutMs: options?.timeout,
        kwargs: options?.kwargs,
      };
    }
    case MessageType.NOTIFY: {
      const options = optionsOf(m[3]);
      const method = stringOf(m[1], 'method');
      return {
        type: 'notify',
        method,
        args: arrayOf(m[2]),
        meta: options?.meta,
        kwargs: options?.kwargs,
      };
    }
    case MessageType.RESULT:
      return { type: 'result', id: idOf(m[1]), value: m[2] };
    case MessageType.ERROR:
      return { type: 'error', id: idOf(m[1]), error: wireErrorOf(m[2]) };
    case MessageType.CANCEL:
      return { type: 'cancel', id: idOf(m[1]) };
    case MessageType.PING:
      return { type: 'ping', nonce: idOf(m[1]) };
    case MessageType.PONG:
      return { type: 'pong', nonce: idOf(m[1]) };
    default:
      throw new ProtocolError(`unexpected message type ${String(m[0])}`);
  }
}

function idOf(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
    return value;
  }
  throw new ProtocolError('message id is not an unsigned 32-bit integer');
}

function stringOf(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  throw new ProtocolError(`${what} is not a string`);
}

function arrayOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  throw new ProtocolError('arguments are not an array');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionsOf(value: unknown): CallOptions | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new ProtocolError('call options are not a map');
  const { meta, timeout, kwargs } = value;
  if (
    meta !== undefined &&
    !(isRecord(meta) && Object.values(meta).every((v) => typeof v === 'string'))
  ) {
    throw new ProtocolError('call metadata is not a map of strings');
  }
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    throw new ProtocolError('call timeout is not a positive number');
  }
  if (kwargs !== undefined && !isRecord(kwargs)) throw new ProtocolError('kwargs are not a map');
  return value as CallOptions;
}

function wireErrorOf(value: unknown): WireError {
  if (!isRecord(value)) throw new ProtocolError('error is not a map');
  const { name, message, code, data, stack } = value;
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : String(message),
    code: typeof code === 'string' ? code : 'INTERNAL',
    data,
    stack: typeof stack === 'string' ? stack : undefined,
  };
}
