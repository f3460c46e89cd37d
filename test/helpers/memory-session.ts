import type { Caller } from '../../src/caller.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/limits.js';
import type { Logger } from '../../src/logger.js';
import { farcallProtocol } from '../../src/protocol/farcall/index.js';
import { makeProxy } from '../../src/proxy.js';
import { Registry } from '../../src/registry.js';
import { Session } from '../../src/session.js';
import { type Faults, type MemoryChannel, memoryPair } from '../../src/transport/memory.js';

export interface MemoryPair {
  client: Session;
  server: Session;
  clientTransport: MemoryChannel;
  serverTransport: MemoryChannel;
  logs: string[];
  remote: unknown;
}

/**
 * A client and a server session over a memory pair, after a real opening. `expose` gives the
 * client functions of its own (the server may call them back); `faults` apply to both ends.
 */
export async function memorySessions(
  api: object,
  options: {
    limits?: Partial<Limits>;
    exposeStack?: boolean;
    timeout?: number;
    expose?: object;
    faults?: Faults;
  } = {},
): Promise<MemoryPair> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const logs: string[] = [];
  const logger: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(m) };
  const [clientTransport, serverTransport] = memoryPair({ a: options.faults, b: options.faults });
  const config = (role: 'client' | 'server', registry: Registry | undefined) => ({
    protocol: farcallProtocol,
    protocolOptions: { role, limits, answers: registry !== undefined },
    limits,
    logger,
    responder: { registry, limits, logger, exposeStack: options.exposeStack === true },
    url: `memory://test-${role}`,
    proxy: (caller: Caller) => makeProxy(caller, '', undefined),
  });
  const client = new Session(
    clientTransport,
    config('client', options.expose ? new Registry(options.expose) : undefined),
  );
  const server = new Session(serverTransport, config('server', new Registry(api)));
  await Promise.all([client.opened, server.opened]);
  const remote = makeProxy(client, '', options.timeout ? { timeout: options.timeout } : undefined);
  return { client, server, clientTransport, serverTransport, logs, remote };
}
