import type { CodecOptions, ValueHooks } from '../../codec/codec.js';
import { decodeMsgpack, encodeMsgpack, MsgpackReader } from '../../codec/msgpack.js';
import { ErrorCode, ProtocolError } from '../../errors.js';
import type { Limits } from '../../limits.js';
import { MAX_CAUSES } from '../../wire-error.js';
import {
  type Answer,
  type AnswererCodec,
  type CallerCodec,
  type CallGroup,
  type ControlCodec,
  type Incoming,
  type ObjectCodec,
  type ObjectMessage,
  type OutgoingCall,
  type OutgoingNotify,
  Route,
  type WireError,
} from '../protocol.js';
import { objectMessage, readObjectMessage } from './objects.js';

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
  /** Streams (docs/protocol.md "Streams"): producer to consumer, then consumer to producer. */
  ITEM: 11,
  END: 12,
  FAIL: 13,
  CREDIT: 14,
  STOP: 15,
  /** References (docs/protocol.md "Callbacks"): a call of a function the other end passed. */
  INVOKE: 16,
  RETAIN: 17,
  RELEASE: 18,
} as const;

/** The message array and the `args` array sit above user values; the depth limit skips them. */
const ENVELOPE_DEPTH = 2;

interface CallOptionsMap {
  meta?: Readonly<Record<string, string>>;
  timeout?: number;
  kwargs?: Record<string, unknown>;
}

export interface NativeSettings {
  readonly limits: Limits;
  /** Shared references and cycles, as negotiated in HELLO. */
  readonly references: boolean;
  readonly hooks?: ValueHooks | undefined;
  /** Protocol containers around each message: 0 on a channel, 1 inside an HTTP batch. */
  readonly batchLevel?: number;
}

/**
 * The native protocol's codecs, both roles and liveness, over one connection's settings: both
 * ends of a channel may call, so each end has all of them.
 */
export class NativeCodecs implements CallerCodec, AnswererCodec, ControlCodec, ObjectCodec {
  private readonly options: CodecOptions;
  private readonly batchOptions: CodecOptions;

  constructor(settings: NativeSettings) {
    const base = {
      maxDepth: settings.limits.maxDepth,
      maxItems: settings.limits.maxItems,
      references: settings.references,
      hooks: settings.hooks,
    };
    this.options = { ...base, envelope: ENVELOPE_DEPTH };
    this.batchOptions = { ...base, envelope: ENVELOPE_DEPTH + 1 };
  }

  writeCall(call: OutgoingCall): Uint8Array {
    const options = callOptions(call.meta, call.timeoutMs, call.kwargs);
    const array: unknown[] =
      call.reference === undefined
        ? [MessageType.CALL, call.id, call.method, call.args]
        : [MessageType.INVOKE, call.id, call.reference, call.args];
    if (options) array.push(options);
    return encodeMsgpack(array, this.options);
  }

  writeObject(message: ObjectMessage): Uint8Array {
    return encodeMsgpack(objectMessage(message), this.options);
  }

  readObject(frame: Uint8Array): ObjectMessage {
    return readObjectMessage(decodeMsgpack(frame, this.options));
  }

  writeNotify(notify: OutgoingNotify): Uint8Array {
    const options = callOptions(notify.meta, undefined, notify.kwargs);
    const array: unknown[] = [MessageType.NOTIFY, notify.method, notify.args];
    if (options) array.push(options);
    return encodeMsgpack(array, this.options);
  }

  writeCancel(id: number): Uint8Array {
    return encodeMsgpack([MessageType.CANCEL, id], this.options);
  }

  /** A batch is a MessagePack array of messages: the frames are its items, as they are. */
  writeBatch(frames: readonly Uint8Array[]): Uint8Array {
    return concatArray(frames);
  }

  /** `[3, id, value]` or `[4, id, error]`, with `{ meta }` after it when the answer has some. */
  writeAnswer(answer: Answer): Uint8Array {
    const array: unknown[] =
      answer.type === 'result'
        ? [MessageType.RESULT, answer.id, answer.value]
        : [MessageType.ERROR, answer.id, wireErrorObject(answer.error)];
    if (answer.meta !== undefined) array.push({ meta: answer.meta });
    return encodeMsgpack(array, this.options);
  }

  writePing(nonce: number): Uint8Array {
    return encodeMsgpack([MessageType.PING, nonce], this.options);
  }

  writePong(nonce: number): Uint8Array {
    return encodeMsgpack([MessageType.PONG, nonce], this.options);
  }

  nonce(frame: Uint8Array): number {
    const m = decodeMsgpack(frame, this.options);
    if (!Array.isArray(m)) throw new ProtocolError('message is not an array');
    return idOf(m[1]);
  }

  /** Peeks at the type byte: `[type, …]` starts with a fixarray header and a positive fixint. */
  route(frame: Uint8Array): Route {
    const type = frame.length > 1 && (frame[0]! & 0xf0) === 0x90 ? frame[1] : undefined;
    if (type === MessageType.RESULT || type === MessageType.ERROR) return Route.ANSWERS;
    if (type === MessageType.PING) return Route.PING;
    if (type === MessageType.PONG) return Route.PONG;
    if (type !== undefined && type >= MessageType.ITEM && type !== MessageType.INVOKE) {
      return Route.OBJECTS;
    }
    return Route.CALLS;
  }

  /**
   * Header first (Go's net/rpc): each answer's type and id are read before its value, and the
   * value of an answer nobody waits for is stepped over, never built.
   */
  readAnswers(
    frame: Uint8Array,
    wanted: (id: number) => boolean,
    each: (answer: Answer) => void,
  ): void {
    const batch = isBatch(frame);
    const reader = new MsgpackReader(frame, batch ? this.batchOptions : this.options);
    const count = batch ? reader.arrayHeader() : 1;
    for (let i = 0; i < count; i++) {
      const length = reader.arrayHeader();
      if (length < 3) throw new ProtocolError('answer is not an array of 3');
      const type = reader.int();
      if (type !== MessageType.RESULT && type !== MessageType.ERROR) {
        throw new ProtocolError(`expected an answer, got message type ${type}`);
      }
      const id = idOf(reader.value());
      if (!wanted(id)) {
        for (let item = 2; item < length; item++) reader.skip();
        continue;
      }
      const body = reader.value();
      if (length === 3) {
        if (type === MessageType.RESULT) each({ type: 'result', id, value: body });
        else each({ type: 'error', id, error: wireErrorOf(body) });
        continue;
      }
      const meta = answerMeta(reader.value());
      for (let item = 4; item < length; item++) reader.skip(); // fields of a later version
      if (type === MessageType.RESULT) each({ type: 'result', id, value: body, meta });
      else each({ type: 'error', id, error: wireErrorOf(body), meta });
    }
    reader.end();
  }

  readCalls(frame: Uint8Array): CallGroup {
    const batch = isBatch(frame);
    const decoded = decodeMsgpack(frame, batch ? this.batchOptions : this.options);
    if (!batch) return { items: [incoming(decoded)], batch: false };
    return { items: (decoded as unknown[]).map(incoming), batch: true };
  }
}

/** An HTTP body is an array of messages; a single message starts with its type, a number. */
function isBatch(frame: Uint8Array): boolean {
  const first = frame[0];
  if (first === undefined) return false;
  if (first === 0x90) return true; // an empty batch
  const second = (first & 0xf0) === 0x90 ? frame[1] : first === 0xdc ? frame[3] : undefined;
  return second !== undefined && (second & 0xf0) === 0x90;
}

/** One message read by the answering side; a malformed call with a usable id is answered. */
function incoming(m: unknown): Incoming {
  if (!Array.isArray(m) || m.length < 2) throw new ProtocolError('message is not an array');
  switch (m[0]) {
    case MessageType.CALL: {
      const id = idOf(m[1]);
      try {
        const options = optionsOf(m[4]);
        return {
          type: 'call',
          id,
          method: stringOf(m[2], 'method'),
          args: arrayOf(m[3]),
          meta: options?.meta,
          timeoutMs: options?.timeout,
          kwargs: options?.kwargs,
        };
      } catch (error) {
        return { type: 'invalid', id, hasId: true, error: invalidRequest(error) };
      }
    }
    case MessageType.INVOKE: {
      const id = idOf(m[1]);
      try {
        const reference = idOf(m[2]);
        const options = optionsOf(m[4]);
        return {
          type: 'call',
          id,
          method: `callback ${reference}`,
          reference,
          args: arrayOf(m[3]),
          meta: options?.meta,
          timeoutMs: options?.timeout,
        };
      } catch (error) {
        return { type: 'invalid', id, hasId: true, error: invalidRequest(error) };
      }
    }
    case MessageType.NOTIFY: {
      const options = optionsOf(m[3]);
      return {
        type: 'notify',
        method: stringOf(m[1], 'method'),
        args: arrayOf(m[2]),
        meta: options?.meta,
        kwargs: options?.kwargs,
      };
    }
    case MessageType.CANCEL:
      return { type: 'cancel', id: idOf(m[1]) };
    default:
      throw new ProtocolError(`unexpected message type ${describeType(m[0])}`);
  }
}

function invalidRequest(error: unknown): WireError {
  return {
    name: 'ProtocolError',
    message: error instanceof Error ? error.message : 'malformed call',
    code: ErrorCode.INVALID_REQUEST,
  };
}

function describeType(value: unknown): string {
  return typeof value === 'number' ? String(value) : `of type ${typeof value}`;
}

/** A MessagePack array header for `count` items followed by the items' bytes. */
function concatArray(items: readonly Uint8Array[]): Uint8Array {
  const count = items.length;
  const header = count < 16 ? 1 : count < 0x10000 ? 3 : 5;
  let size = header;
  for (const item of items) size += item.length;
  const out = new Uint8Array(size);
  if (header === 1) out[0] = 0x90 | count;
  else if (header === 3) out.set([0xdc, count >> 8, count & 0xff]);
  else out.set([0xdd, count >>> 24, (count >> 16) & 0xff, (count >> 8) & 0xff, count & 0xff]);
  let offset = header;
  for (const item of items) {
    out.set(item, offset);
    offset += item.length;
  }
  return out;
}

function callOptions(
  meta: Readonly<Record<string, string>> | undefined,
  timeout: number | undefined,
  kwargs: Record<string, unknown> | undefined,
): CallOptionsMap | undefined {
  if (meta === undefined && timeout === undefined && kwargs === undefined) return undefined;
  const options: CallOptionsMap = {};
  if (meta !== undefined) options.meta = meta;
  if (timeout !== undefined) options.timeout = timeout;
  if (kwargs !== undefined) options.kwargs = kwargs;
  return options;
}

/** The error map of an ERROR message (docs/protocol.md): optional parts only when present. */
export function wireErrorObject(error: WireError, depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {
    name: error.name,
    message: error.message,
    code: error.code,
  };
  if (error.data !== undefined) object.data = error.data;
  if (error.stack !== undefined) object.stack = error.stack;
  if (error.fields !== undefined) object.fields = error.fields;
  if (error.cause !== undefined && depth < MAX_CAUSES) {
    object.cause = wireErrorObject(error.cause, depth + 1);
  }
  return object;
}

export function wireErrorOf(value: unknown, depth = 0): WireError {
  if (!isRecord(value)) throw new ProtocolError('error is not a map');
  const { name, message, code, data, stack, fields, cause } = value;
  const wire: WireError = {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : '',
    code: typeof code === 'string' ? code : 'INTERNAL',
    data,
    stack: typeof stack === 'string' ? stack : undefined,
  };
  if (isRecord(fields)) wire.fields = fields;
  if (isRecord(cause) && depth < MAX_CAUSES) wire.cause = wireErrorOf(cause, depth + 1);
  return wire;
}

export function idOf(value: unknown): number {
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

/**
 * The response metadata in an answer's options map. Anything else there, and a `meta` that is
 * not a map of strings, is ignored: the answer itself is good, and a later version may add to
 * the map.
 */
function answerMeta(options: unknown): Readonly<Record<string, string>> | undefined {
  if (!isRecord(options)) return undefined;
  const { meta } = options;
  return isStringMap(meta) ? meta : undefined;
}

function isStringMap(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string');
}

function optionsOf(value: unknown): CallOptionsMap | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new ProtocolError('call options are not a map');
  const { meta, timeout, kwargs } = value;
  if (meta !== undefined && !isStringMap(meta)) {
    throw new ProtocolError('call metadata is not a map of strings');
  }
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    throw new ProtocolError('call timeout is not a positive number');
  }
  if (kwargs !== undefined && !isRecord(kwargs)) throw new ProtocolError('kwargs are not a map');
  return value as CallOptionsMap;
}
