import { SchemeTable, type TransportLoader } from './schemes.js';

const tcp: TransportLoader = async () => (await import('./tcp.js')).tcpTransport;
const ws: TransportLoader = async () => (await import('./ws.js')).wsTransport;
const http: TransportLoader = async () => (await import('./http.js')).httpTransport;
const memory: TransportLoader = async () => (await import('./memory.js')).memoryTransport;
const zmq: TransportLoader = async () => (await import('./zmq.js')).zmqTransport;
const nats: TransportLoader = async () => (await import('./nats.js')).natsTransport;

/** The transports of the Node build, each loaded when its scheme is first used. */
export const nodeSchemes = new SchemeTable(
  [
    ['tcp', tcp],
    ['tls', tcp],
    ['unix', tcp],
    ['ws', ws],
    ['wss', ws],
    ['http', http],
    ['https', http],
    ['memory', memory],
    ['zmq+tcp', zmq],
    ['nats', nats],
  ],
  new Set(),
);

/**
 * Makes `module` serve `schemes` in this process (lower case, without the colon), replacing what
 * served them: for transports that live outside this package.
 */
export function registerTransport(
  schemes: readonly string[],
  module: Parameters<SchemeTable['register']>[1],
): void {
  nodeSchemes.register(schemes, module);
}
