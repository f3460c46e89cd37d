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

/**
 * An OpenRPC document of the methods `$farcall.describe` listed: each with its parameter names
 * (as the server reads them from the function's source; a name it could not read is `argN`) and
 * schemas that accept anything, until validation gives them. Parameters are by position: object
 * params reach a function as its one argument, not spread by name.
 */
export function openRpcDocument(described: unknown): Record<string, unknown> {
  const methods = Array.isArray(described) ? described : [];
  return {
    openrpc: OPENRPC_VERSION,
    // OpenRPC requires a title and a version; farcall knows neither of the api it serves.
    info: { title: 'farcall', version: '0.0.0' },
    methods: methods.map((info: { name: string; params: readonly string[] }) => ({
      name: info.name,
      params: info.params.map((name) => ({ name, schema: {} })),
      result: { name: 'result', schema: {} },
      paramStructure: 'by-position',
    })),
  };
}
