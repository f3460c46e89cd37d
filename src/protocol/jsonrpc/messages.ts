import type { CodecOptions } from '../../codec/codec.js';
import { decodeJson, encodeJson } from '../../codec/json.js';
import { ErrorCode, LimitError, ProtocolError } from '../../errors.js';
import type { Limits } from '../../limits.js';
import { DESCRIBE_METHODS } from '../../registry.js';
import {
  type Answer,
  type AnswererCodec,
  type CallerCodec,
  type CallGroup,
  type Incoming,
  type OutgoingCall,
  type OutgoingNotify,
  Route,
  type WireError,
} from '../protocol.js';
import { DISCOVER, Discovery, openRpcDocument } from './discover.js';
import { fromJsonRpcError, PARSE_ERROR_NAME, toJsonRpcError } from './errors.js';

/**
 * The request or response object, its params array and a batch around them sit above user
 * values; the depth limit skips them (a response's result is one level nearer, so it gets one
 * level more).
 */
const ENVELOPE_DEPTH = 3;

const encoder = new TextEncoder();
const COMMA = encoder.encode(',');
const OPEN = encoder.encode('[');
const CLOSE = encoder.encode(']');

/**
 * The frames of one JSON-RPC connection, parsed once: on a WebSocket either end may call, and
 * `route` tells a request (it has `method`) from a response (`result` or `error`), keeping the
 * parsed value for the codec that reads the frame next. JSON has no length-prefixed values, so
 * an answer nobody waits for any more is parsed with its frame.
 */
export class JsonRpcFrames {
  readonly options: CodecOptions;
  /** The frame `route` parsed last, with its value or why it could not be read. */
  private routed: { frame: Uint8Array; value: unknown; error: unknown } | undefined;

  constructor(limits: Limits) {
    this.options = {
      maxDepth: limits.maxDepth,
      maxItems: limits.maxItems,
      envelope: ENVELOPE_DEPTH,
    };
  }

  route(frame: Uint8Array): Route {
    let value: unknown;
    let error: unknown;
    try {
      value = decodeJson(frame, this.options);
    } catch (failure) {
      error = failure;
    }
    this.routed = { frame, value, error };
    // What cannot be parsed goes to the answering side, which answers -32700.
    const first = Array.isArray(value) ? value[0] : value;
    if (isRecord(first) && !Object.hasOwn(first, 'method')) {
      if (Object.hasOwn(first, 'result') || Object.hasOwn(first, 'error')) return Route.ANSWERS;
    }
    return Route.CALLS;
  }

  /** The frame's JSON value; throws what decoding threw (`CodecError`, `LimitError`). */
  parse(frame: Uint8Array): unknown {
    const routed = this.routed;
    this.routed = undefined;
    if (routed?.frame !== frame) return decodeJson(frame, this.options);
    if (routed.error !== undefined) throw routed.error;
    return routed.value;
  }
}

/**
 * The calling side. A call with one plain-object argument sends it as by-name params, any other
 * as positional params (none: no params), mirroring how the answering side reads them; ids are
 * the session's numbers. Keyword arguments and metadata have no place in JSON-RPC: a call with
 * them is refused here with `ProtocolError`, never sent without them. Timeouts stay local.
 */
export class JsonRpcCaller implements CallerCodec {
  constructor(private readonly frames: JsonRpcFrames) {}

  writeCall(call: OutgoingCall): Uint8Array {
    refuseExtras(call.method, call.kwargs, call.meta);
    return encodeJson(request(call.method, call.args, call.id), this.frames.options);
  }

  writeNotify(notify: OutgoingNotify): Uint8Array {
    refuseExtras(notify.method, notify.kwargs, notify.meta);
    return encodeJson(request(notify.method, notify.args, undefined), this.frames.options);
  }

  writeCancel(): Uint8Array {
    throw new ProtocolError('JSON-RPC cannot cancel a call');
  }

  /** One frame as it is (a server without batches still reads it), several as a JSON array. */
  writeBatch(frames: readonly Uint8Array[]): Uint8Array {
    return frames.length === 1 ? frames[0]! : joinArray(frames);
  }

  /**
   * Throws `ProtocolError` for a frame that is not a response or a batch of them, and for an
   * error with `id: null` (the peer could not read what we sent, so no call can be told from
   * another); `CodecError`/`LimitError` for text that cannot be read.
   */
  readAnswers(
    frame: Uint8Array,
    wanted: (id: number) => boolean,
    each: (answer: Answer) => void,
  ): void {
    const value = this.frames.parse(frame);
    const responses = Array.isArray(value) ? value : [value];
    if (responses.length === 0) throw new ProtocolError('the peer answered with an empty batch');
    for (const response of responses) {
      if (!isRecord(response)) throw new ProtocolError('a JSON-RPC response is not an object');
      const id = response.id;
      const failed = Object.hasOwn(response, 'error');
      if (!failed && !Object.hasOwn(response, 'result')) {
        throw new ProtocolError('a JSON-RPC response has neither result nor error');
      }
      if (id === null || id === undefined) {
        const error = fromJsonRpcError(failed ? response.error : undefined);
        throw new ProtocolError(
          `the peer could not read a request: ${String(error.fields?.rpcCode)} ${error.message}`,
        );
      }
      // Ids of ours are numbers; any other id answers no call of ours.
      if (typeof id !== 'number' || !wanted(id)) continue;
      if (failed) each({ type: 'error', id, error: fromJsonRpcError(response.error) });
      else each({ type: 'result', id, value: response.result });
    }
  }
}

/**
 * The answering side. Array params are the arguments, object params the one argument; ids are
 * echoed as they came (number, string or null). A text that is not JSON is answered -32700 and
 * a request of the wrong shape -32600, with `id: null` where no id could be read, and the
 * connection goes on; a batch is answered with one array, with no entry for notifications.
 * `rpc.discover` is a call of `$farcall.describe` whose answer is written as OpenRPC.
 */
export class JsonRpcAnswerer implements AnswererCodec {
  constructor(private readonly frames: JsonRpcFrames) {}

  readCalls(frame: Uint8Array): CallGroup {
    let value: unknown;
    try {
      value = this.frames.parse(frame);
    } catch (error) {
      return { items: [invalid(null, unreadable(error))], batch: false };
    }
    if (!Array.isArray(value)) return { items: [incoming(value)], batch: false };
    if (value.length === 0) return { items: [invalid(null, INVALID_REQUEST)], batch: false };
    return { items: value.map(incoming), batch: true };
  }

  writeAnswer(answer: Answer): Uint8Array {
    let id = answer.id;
    let value = answer.type === 'result' ? answer.value : undefined;
    if (id instanceof Discovery) {
      id = id.id;
      if (answer.type === 'result') value = openRpcDocument(value);
    }
    const response =
      answer.type === 'result'
        ? { jsonrpc: '2.0', result: value === undefined ? null : value, id }
        : { jsonrpc: '2.0', error: toJsonRpcError(answer.error), id };
    return encodeJson(response, this.frames.options);
  }

  /** The answers of a batch as one array; undefined when it held only notifications. */
  writeBatch(frames: readonly Uint8Array[]): Uint8Array | undefined {
    const answers = frames.filter((frame) => frame.length > 0);
    return answers.length === 0 ? undefined : joinArray(answers);
  }
}

const INVALID_REQUEST: WireError = {
  name: 'InvalidRequestError',
  message: 'Invalid Request',
  code: ErrorCode.INVALID_REQUEST,
};

/** Why a frame could not be read: a limit (-32600, which says which) or not JSON (-32700). */
function unreadable(error: unknown): WireError {
  if (error instanceof LimitError) {
    return { name: 'LimitError', message: error.message, code: ErrorCode.INVALID_REQUEST };
  }
  return { name: PARSE_ERROR_NAME, message: 'Parse error', code: ErrorCode.INVALID_REQUEST };
}

function invalid(id: unknown, error: WireError): Incoming {
  return { type: 'invalid', id, hasId: true, error };
}

/** One request object of a frame; a malformed one is answered -32600, with its id if it had one. */
function incoming(m: unknown): Incoming {
  if (!isRecord(m)) return invalid(null, INVALID_REQUEST);
  const hasId = Object.hasOwn(m, 'id');
  const id = m.id;
  if (hasId && id !== null && typeof id !== 'string' && typeof id !== 'number') {
    return invalid(null, INVALID_REQUEST);
  }
  const params = m.params;
  if (
    m.jsonrpc !== '2.0' ||
    typeof m.method !== 'string' ||
    (params !== undefined && typeof params !== 'object') ||
    params === null
  ) {
    return invalid(hasId ? id : null, INVALID_REQUEST);
  }
  const args = params === undefined ? [] : Array.isArray(params) ? params : [params];
  const discover = m.method === DISCOVER;
  const method = discover ? DESCRIBE_METHODS : m.method;
  if (!hasId) return { type: 'notify', method, args };
  return { type: 'call', id: discover ? new Discovery(id) : id, method, args };
}

function request(method: string, args: readonly unknown[], id: number | undefined): object {
  const message: Record<string, unknown> = { jsonrpc: '2.0', method };
  if (args.length === 1 && isPlainObject(args[0])) message.params = args[0];
  else if (args.length > 0) message.params = args;
  if (id !== undefined) message.id = id;
  return message;
}

function refuseExtras(
  method: string,
  kwargs: Record<string, unknown> | undefined,
  meta: Readonly<Record<string, string>> | undefined,
): void {
  if (kwargs !== undefined && Object.keys(kwargs).length > 0) {
    throw new ProtocolError(
      `JSON-RPC has no keyword arguments (calling '${method}'): pass one object as the argument, which is sent as by-name params`,
    );
  }
  if (meta !== undefined && Object.keys(meta).length > 0) {
    throw new ProtocolError(`JSON-RPC carries no call metadata (calling '${method}')`);
  }
}

/** `[a,b,…]` from the bytes of each item, copied once. */
function joinArray(items: readonly Uint8Array[]): Uint8Array {
  let size = 2 + Math.max(0, items.length - 1);
  for (const item of items) size += item.length;
  const out = new Uint8Array(size);
  out.set(OPEN, 0);
  let offset = 1;
  items.forEach((item, i) => {
    if (i > 0) out.set(COMMA, offset++);
    out.set(item, offset);
    offset += item.length;
  });
  out.set(CLOSE, offset);
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
