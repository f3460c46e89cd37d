import { UsageError } from '../../errors.js';
import type { Capabilities, Protocol, ProtocolConnection, ProtocolOptions } from '../protocol.js';
import { JsonRpcAnswerer, JsonRpcCaller, JsonRpcFrames } from './messages.js';

/**
 * What JSON-RPC carries: calls matched by id, notifications and batches. No cancellation, no
 * pings, and neither deadlines nor metadata travel (a timeout stays the caller's own; a call
 * with metadata or keyword arguments is refused before it is sent).
 */
const channelCapabilities: Capabilities = {
  correlation: 'id',
  notify: true,
  cancel: false,
  ping: false,
  deadline: false,
  meta: false,
  kwargs: false,
  // Batches are read and answered on a channel too; a channel's caller sends one call a message.
  batch: false,
  streams: false,
  callbacks: false,
};

/** Over HTTP the calls of one turn leave in one batch, and the exchange matches the answers. */
const exchangeCapabilities: Capabilities = {
  ...channelCapabilities,
  correlation: 'exchange',
  batch: true,
};

function connection(options: ProtocolOptions, capabilities: Capabilities): ProtocolConnection {
  const frames = new JsonRpcFrames(options.limits);
  return {
    caller: new JsonRpcCaller(frames),
    // Always: an end that exposes nothing still answers requests, with -32601.
    answerer: new JsonRpcAnswerer(frames),
    control: undefined,
    route: (frame) => frames.route(frame),
    capabilities,
    peer: {},
  };
}

/**
 * JSON-RPC 2.0 (jsonrpc.org/specification), as server and as client, over HTTP (one POST a call
 * or a batch; 204 for notifications alone) and over WebSocket (text messages, both directions
 * on one connection). There is no opening: the first frame is a request. Errors map to codes as
 * `errors.ts` says; `rpc.discover` answers an OpenRPC document of the served methods.
 */
export const jsonrpcProtocol: Protocol = {
  name: 'jsonrpc',
  contentType: 'application/json',
  textFrames: true,
  hasOpening: () => false,
  refuses: (shape, options) =>
    shape === 'channel' && options.authkey !== undefined
      ? 'JSON-RPC has no opening in which to prove an authkey on a channel (over http:// each request proves it)'
      : undefined,
  async open(_link, options) {
    const refusal = jsonrpcProtocol.refuses!('channel', options);
    if (refusal) throw new UsageError(refusal);
    return connection(options, channelCapabilities);
  },
  codecs(options) {
    return connection(options, exchangeCapabilities);
  },
};
