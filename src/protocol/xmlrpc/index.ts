import { UsageError } from '../../errors.js';
import { type Capabilities, type Protocol, Route } from '../protocol.js';
import { XmlRpcAnswerer, XmlRpcCaller } from './messages.js';

/**
 * What XML-RPC carries: one call a request, answered in its response (`system.multicall`, a
 * batch, is answered by the server but never sent by this client). No notifications, no
 * cancellation, no pings; neither deadlines nor metadata nor keyword arguments travel.
 */
const capabilities: Capabilities = {
  correlation: 'exchange',
  notify: false,
  cancel: false,
  ping: false,
  deadline: false,
  meta: false,
  kwargs: false,
  batch: false,
  streams: false,
  callbacks: false,
};

const ONLY_HTTP = 'XML-RPC runs over HTTP only (http:// or https://)';

/**
 * XML-RPC over HTTP, as server and as client, a peer of Python's `xmlrpc.client` and
 * `xmlrpc.server`: values as `codec/xmlrpc/encode.ts` maps them (with `<nil/>`, Python's
 * `allow_none`, and `<i8>`), faults as `errors.ts` says (`Name: message`), and the `system.*`
 * methods of `system.ts`. A channel URL is refused at `serve` and `connect` with `UsageError`.
 */
export const xmlrpcProtocol: Protocol = {
  name: 'xmlrpc',
  contentType: 'text/xml',
  hasOpening: () => false,
  refuses: (shape) => (shape === 'channel' ? ONLY_HTTP : undefined),
  async open() {
    throw new UsageError(ONLY_HTTP);
  },
  codecs(options) {
    return {
      caller: new XmlRpcCaller(options.limits),
      answerer: new XmlRpcAnswerer(options.limits),
      control: undefined,
      route: () => Route.CALLS,
      capabilities,
      peer: {},
    };
  },
};
