/**
 * The `system.*` methods every XML-RPC server of farcall answers, as Python's
 * `SimpleXMLRPCServer` does with its introspection and multicall functions registered.
 *
 * Each reaches the responder as a call of a farcall built-in (`$farcall.methods`,
 * `$farcall.describe`), with its id wrapped in a `SystemCall` that says how to write the
 * answer; `system.multicall` becomes a batch of its calls, each run through the responder like
 * any call and answered in its place.
 */
import { ErrorCode } from '../../errors.js';
import { DESCRIBE_METHODS, LIST_METHODS, type MethodInfo } from '../../registry.js';
import type { Answer, Incoming, WireError } from '../protocol.js';

export const MULTICALL = 'system.multicall';
const LIST = 'system.listMethods';
const HELP = 'system.methodHelp';
const SIGNATURE = 'system.methodSignature';

/** What `system.listMethods` lists besides the served methods. */
export const SYSTEM_METHODS = [LIST, HELP, SIGNATURE, MULTICALL] as const;

/** The id of a `system.*` call: how its built-in's answer becomes the answer asked for. */
export class SystemCall {
  constructor(
    readonly id: unknown,
    readonly kind: 'list' | 'help' | 'signature',
    readonly method: string,
  ) {}
}

/**
 * One call as the answering side gives it to the responder: `system.*` methods mapped, the
 * others as they came. `system.multicall` is the caller's to expand (it is a batch).
 */
export function incomingCall(id: unknown, method: string, params: unknown[]): Incoming {
  switch (method) {
    case LIST:
      return { type: 'call', id: new SystemCall(id, 'list', ''), method: LIST_METHODS, args: [] };
    case HELP:
    case SIGNATURE: {
      const [name] = params;
      if (params.length !== 1 || typeof name !== 'string') {
        return invalidParams(id, `${method} takes one string, the method's name`);
      }
      const kind = method === HELP ? 'help' : 'signature';
      return {
        type: 'call',
        id: new SystemCall(id, kind, name),
        method: DESCRIBE_METHODS,
        args: [],
      };
    }
    default:
      return { type: 'call', id, method, args: params };
  }
}

/**
 * The calls of a `system.multicall`: its one parameter is an array of
 * `{methodName, params}` structs. An entry of another shape, or a nested multicall, is answered
 * with a fault in its place, as Python's server does.
 */
export function multicallItems(params: unknown[]): Incoming[] | undefined {
  const [calls] = params;
  if (params.length !== 1 || !Array.isArray(calls)) return undefined;
  return calls.map((entry: unknown, index): Incoming => {
    const { methodName, params: args } = (entry ?? {}) as Record<string, unknown>;
    if (typeof entry !== 'object' || typeof methodName !== 'string' || !Array.isArray(args)) {
      return invalidParams(index, 'a system.multicall entry is a struct of methodName and params');
    }
    if (methodName === MULTICALL) {
      return invalidParams(index, 'system.multicall inside system.multicall is not allowed');
    }
    return incomingCall(index, methodName, args);
  });
}

function invalidParams(id: unknown, message: string): Incoming {
  return {
    type: 'invalid',
    id,
    hasId: true,
    error: { name: 'TypeError', message, code: ErrorCode.INVALID_PARAMS },
  };
}

/**
 * The answer a `system.*` call asked for, from its built-in's: the method list with the system
 * methods; a method's help (its signature with parameter names: farcall has no doc strings at
 * run time); its signature, from its schemas where it was defined with them, else
 * "signatures not supported", as Python's server says. An unknown name is a METHOD_NOT_FOUND
 * fault.
 */
export function systemAnswer(call: SystemCall, answer: Answer): Answer {
  if (answer.type === 'error') return { ...answer, id: call.id };
  if (call.kind === 'list') {
    const names = Array.isArray(answer.value) ? (answer.value as string[]) : [];
    return { type: 'result', id: call.id, value: [...names, ...SYSTEM_METHODS].sort() };
  }
  const methods = (Array.isArray(answer.value) ? answer.value : []) as MethodInfo[];
  const info = methods.find((m) => m.name === call.method);
  if (!info) {
    if ((SYSTEM_METHODS as readonly string[]).includes(call.method)) {
      return { type: 'result', id: call.id, value: call.kind === 'help' ? '' : NO_SIGNATURES };
    }
    return { type: 'error', id: call.id, error: notFound(call.method) };
  }
  const value = call.kind === 'help' ? `${info.name}(${info.params.join(', ')})` : signature(info);
  return { type: 'result', id: call.id, value };
}

const NO_SIGNATURES = 'signatures not supported';

/**
 * `[[result, ...params]]` in XML-RPC's type names, for a method defined with schemas of its
 * argument tuple and result (`method({ input, output })`); else Python's answer.
 */
function signature(info: MethodInfo): string[][] | string {
  const items = info.input?.prefixItems;
  if (!Array.isArray(items) || info.output === undefined) return NO_SIGNATURES;
  return [[xmlType(info.output), ...items.map(xmlType)]];
}

const XML_TYPES: Readonly<Record<string, string>> = {
  integer: 'int',
  number: 'double',
  string: 'string',
  boolean: 'boolean',
  array: 'array',
  object: 'struct',
  null: 'nil',
};

/** The XML-RPC type of a JSON Schema, or `undef` (the introspection convention) when it has none. */
function xmlType(schema: unknown): string {
  const type = (schema as { type?: unknown } | null)?.type;
  return (typeof type === 'string' && XML_TYPES[type]) || 'undef';
}

function notFound(method: string): WireError {
  return {
    name: 'MethodNotFoundError',
    message: `no method named '${method}'`,
    code: ErrorCode.METHOD_NOT_FOUND,
  };
}
