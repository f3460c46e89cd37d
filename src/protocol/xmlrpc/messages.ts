import type { CodecOptions } from '../../codec/codec.js';
import { decodeXmlRpc, NotXmlRpcError } from '../../codec/xmlrpc/decode.js';
import {
  encodeXmlRpcCall,
  encodeXmlRpcFault,
  encodeXmlRpcResponse,
  FAULT_HEAD,
  FAULT_TAIL,
  RESPONSE_HEAD,
  RESPONSE_TAIL,
} from '../../codec/xmlrpc/encode.js';
import { ErrorCode, LimitError, ProtocolError } from '../../errors.js';
import type { Limits } from '../../limits.js';
import type {
  Answer,
  AnswererCodec,
  CallerCodec,
  CallGroup,
  Incoming,
  OutgoingCall,
  WireError,
} from '../protocol.js';
import { fromFault, NOT_WELLFORMED_NAME, toFault } from './errors.js';
import { incomingCall, MULTICALL, multicallItems, SystemCall, systemAnswer } from './system.js';

/** The params array (and a multicall's array and struct) sit above user values. */
const ENVELOPE_DEPTH = 3;

function codecOptions(limits: Limits): CodecOptions {
  return { maxDepth: limits.maxDepth + ENVELOPE_DEPTH, maxItems: limits.maxItems };
}

/**
 * The calling side: one `methodCall` a request, its params the call's arguments; the answer is
 * the response to that request, so it has no id (`id: undefined`: the exchange caller gives it
 * to the one call its request carried). Notifications, cancels, keyword arguments and metadata
 * have no place in XML-RPC and are refused with `ProtocolError` before anything is sent.
 */
export class XmlRpcCaller implements CallerCodec {
  private readonly options: CodecOptions;

  constructor(limits: Limits) {
    this.options = codecOptions(limits);
  }

  writeCall(call: OutgoingCall): Uint8Array {
    if (call.kwargs !== undefined && Object.keys(call.kwargs).length > 0) {
      throw new ProtocolError(`XML-RPC has no keyword arguments (calling '${call.method}')`);
    }
    if (call.meta !== undefined && Object.keys(call.meta).length > 0) {
      throw new ProtocolError(`XML-RPC carries no call metadata (calling '${call.method}')`);
    }
    return encodeXmlRpcCall(call.method, call.args, this.options);
  }

  writeNotify(): Uint8Array {
    throw new ProtocolError('XML-RPC has no notifications (calls without an answer)');
  }

  writeCancel(): Uint8Array {
    throw new ProtocolError('XML-RPC cannot cancel a call');
  }

  /** `system.listMethods`, which every XML-RPC server answers (a fault is an answer too). */
  writeProbe(): Uint8Array {
    return encodeXmlRpcCall('system.listMethods', [], this.options);
  }

  /**
   * Throws `CodecError`/`LimitError` for a body that cannot be read and `ProtocolError` for one
   * that is a call, not a response.
   */
  readAnswers(frame: Uint8Array, _wanted: (id: number) => boolean, each: (a: Answer) => void) {
    const message = decodeXmlRpc(frame, this.options);
    if (message.kind === 'call')
      throw new ProtocolError('the server sent a methodCall, not a response');
    if (message.kind === 'fault')
      each({ type: 'error', id: undefined, error: fromFault(message.fault) });
    else each({ type: 'result', id: undefined, value: message.value });
  }
}

/**
 * The answering side: a `methodCall` is one call, `system.multicall` a batch of them answered
 * in order, and the other `system.*` methods are answered from the registry (`system.ts`). A
 * body that cannot be read is answered with a fault (-32700 for XML that is not well formed,
 * -32600 for a document that is not a call, the limit's message past a limit), as XML-RPC
 * answers everything; the connection goes on.
 */
export class XmlRpcAnswerer implements AnswererCodec {
  private readonly options: CodecOptions;

  constructor(limits: Limits) {
    this.options = codecOptions(limits);
  }

  readCalls(frame: Uint8Array): CallGroup {
    let message: ReturnType<typeof decodeXmlRpc>;
    try {
      message = decodeXmlRpc(frame, this.options);
    } catch (error) {
      return single({ type: 'invalid', id: null, hasId: true, error: unreadable(error) });
    }
    if (message.kind !== 'call') {
      return single({ type: 'invalid', id: null, hasId: true, error: NOT_A_CALL });
    }
    if (message.method === MULTICALL) {
      const items = multicallItems(message.params);
      if (items) return { items, batch: true };
      return single({
        type: 'invalid',
        id: null,
        hasId: true,
        error: {
          name: 'TypeError',
          message: 'system.multicall takes one array of {methodName, params} structs',
          code: ErrorCode.INVALID_PARAMS,
        },
      });
    }
    return single(incomingCall(null, message.method, message.params));
  }

  writeAnswer(answer: Answer): Uint8Array {
    const shaped = answer.id instanceof SystemCall ? systemAnswer(answer.id, answer) : answer;
    if (shaped.type === 'result') return encodeXmlRpcResponse(shaped.value, this.options);
    const fault = toFault(shaped.error);
    return encodeXmlRpcFault(fault.code, fault.string, this.options);
  }

  /**
   * A `system.multicall` response from the answers written in order: `[value]` for each result,
   * the fault struct for each fault, cut out of the documents `writeAnswer` wrote (their heads
   * and tails are fixed ASCII), so no value is written twice.
   */
  writeBatch(frames: readonly Uint8Array[]): Uint8Array {
    const parts: Uint8Array[] = [BATCH_HEAD];
    for (const frame of frames) {
      const result = inner(frame, RESULT);
      if (result) parts.push(ITEM_HEAD, result, ITEM_TAIL);
      // A fault's struct is its item; an answer that could not be written at all (the
      // responder logged why) is a fault saying so.
      else parts.push(inner(frame, FAULT) ?? UNWRITTEN);
    }
    parts.push(BATCH_TAIL);
    return concat(parts);
  }
}

const encoder = new TextEncoder();
const RESULT = { head: encoder.encode(RESPONSE_HEAD), tail: encoder.encode(RESPONSE_TAIL) };
const FAULT = { head: encoder.encode(FAULT_HEAD), tail: encoder.encode(FAULT_TAIL) };
const ITEM_HEAD = encoder.encode('<value><array><data>');
const ITEM_TAIL = encoder.encode('</data></array></value>');
const BATCH_HEAD = encoder.encode(`${RESPONSE_HEAD}<value><array><data>`);
const BATCH_TAIL = encoder.encode(`</data></array></value>${RESPONSE_TAIL}`);
const UNWRITTEN = inner(
  encodeXmlRpcFault(-32603, 'Error: the answer could not be encoded', { maxDepth: 2, maxItems: 9 }),
  FAULT,
)!;

/** The bytes between `head` and `tail`, when the frame has them. */
function inner(
  frame: Uint8Array,
  { head, tail }: { head: Uint8Array; tail: Uint8Array },
): Uint8Array | undefined {
  if (frame.length < head.length + tail.length) return undefined;
  for (let i = 0; i < head.length; i++) if (frame[i] !== head[i]) return undefined;
  const end = frame.length - tail.length;
  for (let i = 0; i < tail.length; i++) if (frame[end + i] !== tail[i]) return undefined;
  return frame.subarray(head.length, end);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const NOT_A_CALL: WireError = {
  name: 'ProtocolError',
  message: 'the request is not an XML-RPC methodCall',
  code: ErrorCode.INVALID_REQUEST,
};

function single(item: Incoming): CallGroup {
  return { items: [item], batch: false };
}

/** Why a body could not be read: a limit, a document that is not XML-RPC, or XML that is not well formed. */
function unreadable(error: unknown): WireError {
  const message = error instanceof Error ? error.message.replace(/^farcall: /, '') : 'unreadable';
  if (error instanceof LimitError) {
    return { name: 'LimitError', message, code: ErrorCode.INVALID_REQUEST };
  }
  if (error instanceof NotXmlRpcError) {
    return { name: 'ProtocolError', message, code: ErrorCode.INVALID_REQUEST };
  }
  return { name: NOT_WELLFORMED_NAME, message, code: ErrorCode.INVALID_REQUEST };
}
