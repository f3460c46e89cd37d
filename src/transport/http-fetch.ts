/**
 * `http://` and `https://` on the platform's `fetch` (browsers, Deno, Node): the client side
 * only. Transport option `batch: false` is read by the caller, not here.
 */
import { AbortError, ConnectionClosedError } from '../errors.js';
import type { Exchange, TransportModule } from './transport.js';

function exchange(url: string): Exchange {
  const parsed = new URL(url);
  // Closing ends the requests still in flight (the caller gives a request a signal of its own
  // only when one of its calls can be given up on).
  const closing = new AbortController();
  return {
    peer: parsed.host,
    path: parsed.pathname || '/',
    async request(request) {
      // A request with a signal of its own is aborted by the caller when it closes.
      const signal = request.signal ?? closing.signal;
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { ...request.headers, 'content-type': request.contentType },
          body: request.body as Uint8Array<ArrayBuffer>,
          signal,
        });
      } catch (error) {
        if (signal.aborted)
          throw new AbortError('the request was aborted', { cause: signal.reason });
        throw new ConnectionClosedError(`cannot reach ${url}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const body = new Uint8Array(await response.arrayBuffer());
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return { status: response.status, body, headers };
    },
    close: async () => {
      closing.abort(new ConnectionClosedError('connection closed', { requested: true }));
    },
  };
}

export const fetchTransport: TransportModule = {
  shape: 'exchange',
  async dial(url) {
    return exchange(url);
  },
};
