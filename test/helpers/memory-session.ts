import { DEFAULT_LIMITS, type Limits } from '../../src/limits.js';
import type { Logger } from '../../src/logger.js';
import { farcallProtocol } from '../../src/protocol/farcall/index.js';
import { makeProxy } from '../../src/proxy.js';
import { Registry } from '../../src/registry.js';
import { Session } from '../../src/session.js';
import { type MemoryTransport, memoryPair } from '../../src/transport/memory.js';

export interface MemoryPair {
  client: Session;
  server: Session;
  clientTransport: MemoryTransport;
  serverTransport: MemoryTransport;
  logs: string[];
  remote: unknown;
}

/** A client and a server session over in-memory transports, after a real handshake. */
export async function memorySessions(
  api: object,
  options: { limits?: Partial<Limits>; exposeStack?: boolean; timeout?: number } = {},
): Promise<MemoryPair> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const logs: string[] = [];
  const logger: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(m) };
  const [clientTransport, serverTransport] = memoryPair();
  const [clientConn, serverConn] = await Promise.all([
    farcallProtocol.open(clientTransport, { role: 'client', limits }),
    farcallProtocol.open(serverTransport, { role: 'server', limits }),
  ]);
  const client = new Session(clientTransport, clientConn, { limits, logger });
  const server = new Session(serverTransport, serverConn, {
    limits,
    logger,
    registry: new Registry(api),
    exposeStack: options.exposeStack,
  });
  const remote = makeProxy(client, '', { timeout: options.timeout });
  return { client, server, clientTransport, serverTransport, logs, remote };
}
