import type { Transport } from '../../transport/transport.js';
import type { Protocol, ProtocolConnection, ProtocolOptions } from '../protocol.js';
import { clientHandshake, serverHandshake } from './handshake.js';
import { decodeMessage, encodeMessage, messageCodecOptions } from './messages.js';

/**
 * The native protocol: MessagePack messages with ids, any number of calls in flight, answered
 * in any order, after a HELLO exchange and an optional mutual HMAC-SHA256 authkey handshake.
 * The wire format is specified in docs/protocol.md.
 */
export const farcallProtocol: Protocol = {
  name: 'farcall',
  async open(transport: Transport, options: ProtocolOptions): Promise<ProtocolConnection> {
    if (options.role === 'server') await serverHandshake(transport, options);
    else await clientHandshake(transport, options);
    const codec = messageCodecOptions(options.limits);
    return {
      encode: (message) => encodeMessage(message, codec),
      decode: (frame) => decodeMessage(frame, codec),
      ordered: false,
      supportsNotify: true,
      supportsCancel: true,
      supportsPing: true,
    };
  },
};
