/**
 * `rpc.discover`, the OpenRPC service discovery method: the answering codec reads it as a call
 * of the built-in `$farcall.describe` (so it runs through the responder like any call) with its
 * id wrapped in a `Discovery`, and writes the answer as an OpenRPC document.
 */
export const DISCOVER = 'rpc.discover';

/** The id of an `rpc.discover` call, as it came: its answer is shaped into an OpenRPC document. */
export class Discovery {
  constructor(readonly id: unknown) {}
}

/** The OpenRPC version the documents follow. */
const OPENRPC_VERSION = '1.2.6';

/** What `$farcall.describe` says of a method, as far as OpenRPC needs it. */
interface Described {
  readonly name: string;
  readonly params: readonly string[];
  /** JSON Schema of the argument list (a tuple: `prefixItems`), for `method({ input })`. */
  readonly input?: Record<string, unknown>;
  /** JSON Schema of the result, for `method({ output })`. */
  readonly output?: Record<string, unknown>;
}

/**
 * An OpenRPC document of the methods `$farcall.describe` listed: each with its parameter names
 * (as the server reads them from the function's source; a name it could not read is `argN`),
 * the JSON Schema of each parameter and of the result where the method was defined with
 * schemas (`method({ input, output })`), else schemas that accept anything. Parameters are by
 * position: object params reach a function as its one argument, not spread by name.
 */
export function openRpcDocument(described: unknown): Record<string, unknown> {
  const methods = (Array.isArray(described) ? described : []) as Described[];
  return {
    openrpc: OPENRPC_VERSION,
    // OpenRPC requires a title and a version; farcall knows neither of the api it serves.
    info: { title: 'farcall', version: '0.0.0' },
    methods: methods.map((info) => ({
      name: info.name,
      params: params(info),
      result: { name: 'result', schema: info.output ?? {} },
      paramStructure: 'by-position',
    })),
  };
}

/** A content descriptor per parameter: the tuple's items where there is a schema. */
function params(info: Described): Record<string, unknown>[] {
  const items = Array.isArray(info.input?.prefixItems)
    ? (info.input.prefixItems as Record<string, unknown>[])
    : [];
  const required = typeof info.input?.minItems === 'number' ? info.input.minItems : items.length;
  const count = Math.max(info.params.length, items.length);
  return Array.from({ length: count }, (_, i) => {
    const descriptor: Record<string, unknown> = {
      name: info.params[i] ?? `arg${i}`,
      schema: items[i] ?? {},
    };
    if (items.length > 0) descriptor.required = i < required;
    return descriptor;
  });
}
