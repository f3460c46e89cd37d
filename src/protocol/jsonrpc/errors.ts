/**
 * JSON-RPC error objects, both ways: from the `WireError` a call failed with, and back.
 *
 * | farcall `ErrorCode`   | JSON-RPC `code` | `message`                   | `data`                   |
 * | --------------------- | --------------- | --------------------------- | ------------------------ |
 * | (unreadable JSON)     | -32700          | `Parse error`               | none                     |
 * | `INVALID_REQUEST`     | -32600          | `Invalid Request`           | a broken limit's name    |
 * | `METHOD_NOT_FOUND`    | -32601          | `Method not found`          | none                     |
 * | `INVALID_PARAMS`      | -32602          | the error's message         | `{ name, ...fields }`    |
 * | `INTERNAL`            | -32603          | the error's message         | `{ name, ...fields }`    |
 * | `APPLICATION_ERROR`   | -32000          | the error's message         | `{ name, ...fields }`    |
 * | `UNAVAILABLE`         | -32001          | the error's message         | `{ name, ...fields }`    |
 * | `CANCELLED`           | -32002          | the error's message         | `{ name, ...fields }`    |
 *
 * The three protocol errors are written exactly as the specification's examples show them (its
 * message, no data): they are the protocol's own, and peers compare them so. Every other error
 * keeps its message, and its class name travels in `data.name` with its own fields beside it
 * (`data.data` for its `data`, `data.stack` where the server sends stacks; causes do not travel).
 * Read back, a code maps to the `ErrorCode` above (other codes of a foreign server become
 * `APPLICATION_ERROR`), the name comes from `data.name`, and the number itself is kept as the
 * `RemoteError`'s `rpcCode` field.
 */
import { ErrorCode } from '../../errors.js';
import type { WireError } from '../protocol.js';

export const JsonRpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  APPLICATION_ERROR: -32000,
  UNAVAILABLE: -32001,
  CANCELLED: -32002,
} as const;

/** The name farcall gives a JSON text it could not parse, so the answer says -32700. */
export const PARSE_ERROR_NAME = 'ParseError';

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

const CODE_OF: Readonly<Record<string, number>> = {
  [ErrorCode.INVALID_PARAMS]: JsonRpcCode.INVALID_PARAMS,
  [ErrorCode.INTERNAL]: JsonRpcCode.INTERNAL_ERROR,
  [ErrorCode.APPLICATION_ERROR]: JsonRpcCode.APPLICATION_ERROR,
  [ErrorCode.UNAVAILABLE]: JsonRpcCode.UNAVAILABLE,
  [ErrorCode.CANCELLED]: JsonRpcCode.CANCELLED,
};

const ERROR_CODE_OF: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([
  [JsonRpcCode.PARSE_ERROR, ErrorCode.INVALID_REQUEST],
  [JsonRpcCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST],
  [JsonRpcCode.METHOD_NOT_FOUND, ErrorCode.METHOD_NOT_FOUND],
  [JsonRpcCode.INVALID_PARAMS, ErrorCode.INVALID_PARAMS],
  [JsonRpcCode.INTERNAL_ERROR, ErrorCode.INTERNAL],
  [JsonRpcCode.UNAVAILABLE, ErrorCode.UNAVAILABLE],
  [JsonRpcCode.CANCELLED, ErrorCode.CANCELLED],
]);

/** Names for errors of foreign servers that say none. */
const DEFAULT_NAME: ReadonlyMap<number, string> = new Map([
  [JsonRpcCode.PARSE_ERROR, PARSE_ERROR_NAME],
  [JsonRpcCode.INVALID_REQUEST, 'InvalidRequestError'],
  [JsonRpcCode.METHOD_NOT_FOUND, 'MethodNotFoundError'],
  [JsonRpcCode.INVALID_PARAMS, 'InvalidParamsError'],
  [JsonRpcCode.INTERNAL_ERROR, 'InternalError'],
]);

/** The error object of a JSON-RPC response for `error`. */
export function toJsonRpcError(error: WireError): JsonRpcError {
  if (error.code === ErrorCode.INVALID_REQUEST) {
    if (error.name === PARSE_ERROR_NAME) {
      return { code: JsonRpcCode.PARSE_ERROR, message: 'Parse error' };
    }
    const invalid: JsonRpcError = { code: JsonRpcCode.INVALID_REQUEST, message: 'Invalid Request' };
    // A request over a limit is well formed: say which limit refused it.
    if (error.name === 'LimitError') invalid.data = { name: error.name, message: error.message };
    return invalid;
  }
  if (error.code === ErrorCode.METHOD_NOT_FOUND) {
    return { code: JsonRpcCode.METHOD_NOT_FOUND, message: 'Method not found' };
  }
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error.fields ?? {})) defineOwn(data, key, value);
  data.name = error.name;
  if (error.data !== undefined) data.data = error.data;
  if (error.stack !== undefined) data.stack = error.stack;
  return {
    code: CODE_OF[error.code] ?? JsonRpcCode.APPLICATION_ERROR,
    message: error.message,
    data,
  };
}

/** The `WireError` of an error object read from a response; lenient with foreign servers. */
export function fromJsonRpcError(value: unknown): WireError {
  const object = isRecord(value) ? value : {};
  const code = typeof object.code === 'number' ? object.code : JsonRpcCode.APPLICATION_ERROR;
  const data = object.data;
  const wire: WireError = {
    name: DEFAULT_NAME.get(code) ?? 'Error',
    message: typeof object.message === 'string' ? object.message : '',
    code: ERROR_CODE_OF.get(code) ?? ErrorCode.APPLICATION_ERROR,
  };
  const fields: Record<string, unknown> = { rpcCode: code };
  if (isRecord(data) && typeof data.name === 'string') {
    // farcall's shape: the name, the error's own fields, its data and stack.
    wire.name = data.name;
    for (const [key, item] of Object.entries(data)) {
      if (key === 'name') continue;
      if (key === 'data') wire.data = item;
      else if (key === 'stack') wire.stack = typeof item === 'string' ? item : undefined;
      // A refusal under a limit says which in data.message, beside the specification's message.
      else if (key === 'message' && typeof item === 'string') wire.message = item;
      else defineOwn(fields, key, item);
    }
  } else if (data !== undefined) {
    wire.data = data;
  }
  wire.fields = fields;
  return wire;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets a data property, so that a key named `__proto__` stays a plain key. */
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
