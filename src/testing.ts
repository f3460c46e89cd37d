/**
 * `farcall/testing`: an in-memory connection with fault injection, for users' own tests (and
 * farcall's). Nothing here opens a socket.
 *
 * ```ts
 * import { serve, connect } from 'farcall';
 * import { memoryConnect } from 'farcall/testing';
 * const { remote, client, close } = await memoryConnect<typeof api>(api, { faults: { delay: 5 } });
 * client.cut(); // the connection fails mid-call
 * ```
 */
import { type ConnectOptions, close as closeRemote, connect } from './client.js';
import type { Remote } from './proxy.js';
import { type ServeOptions, type Server, serve } from './server.js';
import type { Faults, MemoryChannel } from './transport/memory.js';

export { type Faults, MemoryChannel, memoryPair } from './transport/memory.js';

export interface MemoryConnection<T> {
  readonly remote: Remote<T>;
  readonly server: Server;
  /** The client's end of the connection: `faults`, `cut()`, `end()`. */
  readonly client: MemoryChannel;
  /** The server's end. */
  readonly serverEnd: MemoryChannel;
  close(): Promise<void>;
}

/**
 * Serves `api` on a fresh `memory://` name and connects to it. `faults` apply to what each end
 * sends (change them at any time through `client.faults` and `serverEnd.faults`).
 */
export async function memoryConnect<T>(
  api: object,
  options: {
    faults?: Faults;
    serve?: Omit<ServeOptions, 'listen'>;
    connect?: Omit<ConnectOptions, 'transport'>;
  } = {},
): Promise<MemoryConnection<T>> {
  const server = await serve(api, { logger: false, ...options.serve, listen: 'memory://0' });
  let ends: [MemoryChannel, MemoryChannel] | undefined;
  const remote = await connect<T>(server.url, {
    logger: false,
    ...options.connect,
    authkey: options.connect?.authkey ?? options.serve?.authkey,
    transport: {
      faults: options.faults,
      onPair: (a: MemoryChannel, b: MemoryChannel) => (ends = [a, b]),
    },
  });
  const [client, serverEnd] = ends!;
  return {
    remote,
    server,
    client,
    serverEnd,
    async close() {
      await closeRemote(remote);
      await server.close(0);
    },
  };
}
