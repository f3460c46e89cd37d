import { farcallLoader, jsonrpcLoader, ProtocolTable } from './index.js';

/** The protocols of the Node build. */
export const nodeProtocols = new ProtocolTable({
  farcall: farcallLoader,
  python: async () => (await import('./python/index.js')).pythonProtocol,
  jsonrpc: jsonrpcLoader,
  xmlrpc: async () => (await import('./xmlrpc/index.js')).xmlrpcProtocol,
});
