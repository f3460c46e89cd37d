/**
 * `farcall/nats`: the NATS transport, for programs that want its options' types or to register
 * it under another scheme. `serve` and `connect` from `farcall` load it by themselves for a
 * `nats://` address; this entry only makes it importable by name. Needs
 * `@nats-io/transport-node` installed (an optional peer dependency).
 */

export { DEFAULT_REQUEST_TIMEOUT_MS, natsTransport } from './transport/nats.js';
export type { NatsTransportOptions } from './transport/nats-connect.js';
export { serviceName } from './transport/nats-services.js';
