import { isFarcallHello } from '../detect.js';
import type { Capabilities, Protocol, ProtocolConnection, ProtocolOptions } from '../protocol.js';
import { clientHandshake, serverHandshake } from './handshake.js';
import { NativeCodecs } from './messages.js';

/** What the native protocol carries on a channel. */
const channelCapabilities: Capabilities = {
  correlation: 'id',
  notify: true,
  cancel: true,
  ping: true,
  deadline: true,
  meta: true,
  kwargs: true,
  batch: false,
  streams: true,
  callbacks: true,
};

/**
 * On an exchange (HTTP), answers come in the response to their request; calls batch. Nothing
 * outlives a request there, so nothing carries streams or callbacks.
 */
const exchangeCapabilities: Capabilities = {
  ...channelCapabilities,
  correlation: 'exchange',
  ping: false,
  batch: true,
  streams: false,
  callbacks: false,
};

function connection(
  options: Pick<ProtocolOptions, 'limits' | 'hooks'>,
  references: boolean,
  capabilities: Capabilities,
  peer: ProtocolConnection['peer'],
): ProtocolConnection {
  const objects = capabilities.streams || capabilities.callbacks;
  const codecs = new NativeCodecs({
    limits: options.limits,
    references,
    hooks: objects ? options.hooks : undefined,
  });
  return {
    caller: codecs,
    // Always: an end that exposes nothing still answers, with METHOD_NOT_FOUND.
    answerer: codecs,
    control: codecs,
    objects: objects ? codecs : undefined,
    route: (frame) => codecs.route(frame),
    capabilities,
    peer,
  };
}

/**
 * The native protocol: MessagePack messages with ids, any number of calls in flight, answered
 * in any order, after a HELLO exchange (which also says each end's window, frame limit and idle
 * timeout) and an optional mutual HMAC-SHA256 authkey handshake. The wire format is specified in
 * docs/protocol.md.
 */
export const farcallProtocol: Protocol = {
  name: 'farcall',
  contentType: 'application/x-msgpack',
  // HELLO, and with a key AUTH (from a client) or AUTH_OK (from a server): docs/protocol.md.
  openingFrames: (options) => (options.authkey !== undefined ? 2 : 1),
  async open(link, options) {
    const limits = options.limits;
    const settings = {
      window: limits.maxInFlight,
      maxFrameBytes: limits.maxFrameBytes,
      idleMs: options.role === 'server' ? limits.idleTimeoutMs : undefined,
      references: options.references === true,
    };
    const opened =
      options.role === 'server'
        ? await serverHandshake(link, options, settings)
        : await clientHandshake(link, options, settings);
    return connection(options, opened.references, channelCapabilities, opened.peer);
  },
  opens: isFarcallHello,
  codecs(options) {
    return connection(options, false, exchangeCapabilities, {});
  },
};
