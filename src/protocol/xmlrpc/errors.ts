/**
 * XML-RPC faults, both ways. A fault has a `faultCode` and a `faultString`; the string is
 * `Name: message` (`TypeError: unsupported operand`), so a Python client sees the JavaScript
 * class in its `Fault`, and reading it back gives the `RemoteError` its name. Codes follow the
 * fault-code interoperability conventions that Python's `xmlrpc.client` names:
 *
 * | farcall `ErrorCode` | `faultCode`                         |
 * | ------------------- | ----------------------------------- |
 * | (not well-formed)   | -32700 (`NOT_WELLFORMED_ERROR`)     |
 * | `INVALID_REQUEST`   | -32600 (`INVALID_XMLRPC`)           |
 * | `METHOD_NOT_FOUND`  | -32601 (`METHOD_NOT_FOUND`)         |
 * | `INVALID_PARAMS`    | -32602 (`INVALID_METHOD_PARAMS`)    |
 * | `INTERNAL`          | -32603 (`INTERNAL_ERROR`)           |
 * | `APPLICATION_ERROR` | -32500 (`APPLICATION_ERROR`)        |
 * | `UNAVAILABLE`       | -32400 (`SYSTEM_ERROR`)             |
 * | `CANCELLED`         | -32401 (beside the system error)    |
 *
 * Read back, any other code (Python's server sends 1 for every exception) is an
 * `APPLICATION_ERROR`, and the number is kept as the `RemoteError`'s `faultCode` field. A fault
 * carries no data, fields, stack or cause.
 */
import { ErrorCode } from '../../errors.js';
import type { WireError } from '../protocol.js';

export const FaultCode = {
  NOT_WELLFORMED: -32700,
  INVALID_XMLRPC: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  APPLICATION_ERROR: -32500,
  SYSTEM_ERROR: -32400,
  CANCELLED: -32401,
} as const;

/** The name of the error for a document that is not well-formed XML, so its fault says -32700. */
export const NOT_WELLFORMED_NAME = 'ParseError';

const CODE_OF: Readonly<Record<string, number>> = {
  [ErrorCode.INVALID_REQUEST]: FaultCode.INVALID_XMLRPC,
  [ErrorCode.METHOD_NOT_FOUND]: FaultCode.METHOD_NOT_FOUND,
  [ErrorCode.INVALID_PARAMS]: FaultCode.INVALID_PARAMS,
  [ErrorCode.INTERNAL]: FaultCode.INTERNAL_ERROR,
  [ErrorCode.APPLICATION_ERROR]: FaultCode.APPLICATION_ERROR,
  [ErrorCode.UNAVAILABLE]: FaultCode.SYSTEM_ERROR,
  [ErrorCode.CANCELLED]: FaultCode.CANCELLED,
};

const ERROR_CODE_OF: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([
  [FaultCode.NOT_WELLFORMED, ErrorCode.INVALID_REQUEST],
  [FaultCode.INVALID_XMLRPC, ErrorCode.INVALID_REQUEST],
  [FaultCode.METHOD_NOT_FOUND, ErrorCode.METHOD_NOT_FOUND],
  [FaultCode.INVALID_PARAMS, ErrorCode.INVALID_PARAMS],
  [FaultCode.INTERNAL_ERROR, ErrorCode.INTERNAL],
  [FaultCode.APPLICATION_ERROR, ErrorCode.APPLICATION_ERROR],
  [FaultCode.SYSTEM_ERROR, ErrorCode.UNAVAILABLE],
  [FaultCode.CANCELLED, ErrorCode.CANCELLED],
]);

/** The fault for an error. */
export function toFault(error: WireError): { code: number; string: string } {
  const code =
    error.name === NOT_WELLFORMED_NAME && error.code === ErrorCode.INVALID_REQUEST
      ? FaultCode.NOT_WELLFORMED
      : (CODE_OF[error.code] ?? FaultCode.APPLICATION_ERROR);
  return { code, string: `${error.name}: ${error.message}` };
}

/**
 * The `WireError` of a fault read from a response: the name from `Name: message` (farcall's
 * form) or `<class 'Name'>:message` (Python's server), else `Fault` and the string as it is.
 */
export function fromFault(fault: unknown): WireError {
  const struct = (typeof fault === 'object' && fault !== null ? fault : {}) as Record<
    string,
    unknown
  >;
  const faultCode = typeof struct.faultCode === 'number' ? struct.faultCode : Number.NaN;
  const text = typeof struct.faultString === 'string' ? struct.faultString : '';
  const { name, message } = splitName(text);
  return {
    name,
    message,
    code: ERROR_CODE_OF.get(faultCode) ?? ErrorCode.APPLICATION_ERROR,
    fields: Number.isNaN(faultCode) ? undefined : { faultCode },
  };
}

/** A name is a dotted identifier; its last part is the class name. */
const NAME = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

function splitName(text: string): { name: string; message: string } {
  // Python's SimpleXMLRPCServer: "<class 'module.Name'>:message".
  if (text.startsWith("<class '")) {
    const end = text.indexOf("'>:");
    const qualified = end > 0 ? text.slice(8, end) : '';
    if (NAME.test(qualified)) {
      return {
        name: qualified.slice(qualified.lastIndexOf('.') + 1),
        message: text.slice(end + 3),
      };
    }
  }
  const colon = text.indexOf(': ');
  const head = colon > 0 && colon <= 100 ? text.slice(0, colon) : '';
  if (NAME.test(head)) {
    return { name: head.slice(head.lastIndexOf('.') + 1), message: text.slice(colon + 2) };
  }
  return { name: 'Fault', message: text };
}
