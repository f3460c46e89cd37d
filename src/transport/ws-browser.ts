/**
 * `ws://` and `wss://` on the platform's own `WebSocket` (browsers, Deno, Node 22+): the client
 * side only; a browser cannot listen.
 */
import { AbortError, ConnectionClosedError, UsageError } from '../errors.js';
import type { TransportModule } from './transport.js';
import { WebSocketChannel, type WebSocketLike } from './ws-channel.js';

interface WebSocketConstructor {
  new (
    url: string,
  ): WebSocketLike & {
    addEventListener(
      type: string,
      listener: (event: unknown) => void,
      options?: { once?: boolean },
    ): void;
  };
}

export const browserWsTransport: TransportModule = {
  shape: 'channel',
  dial(url, options) {
    const Socket = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Socket) return Promise.reject(new UsageError('this platform has no WebSocket'));
    return new Promise((resolve, reject) => {
      let socket: InstanceType<WebSocketConstructor>;
      try {
        socket = new Socket(url);
      } catch (error) {
        reject(new UsageError(`cannot open a WebSocket to '${url}': ${(error as Error).message}`));
        return;
      }
      socket.binaryType = 'arraybuffer';
      const onAbort = () => {
        socket.close();
        const reason: unknown = options.signal.reason;
        reject(
          reason instanceof Error && reason.name === 'TimeoutError'
            ? reason
            : new AbortError('connecting was aborted', { cause: reason }),
        );
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      socket.addEventListener(
        'open',
        () => {
          options.signal.removeEventListener('abort', onAbort);
          resolve(new WebSocketChannel(socket, new URL(url).host, options.maxFrameBytes));
        },
        { once: true },
      );
      socket.addEventListener(
        'error',
        () => {
          options.signal.removeEventListener('abort', onAbort);
          reject(new ConnectionClosedError(`cannot connect to ${url}`));
        },
        { once: true },
      );
    });
  },
};
