/**
 * Transports by URL scheme, each loaded on first use, so that a program that only dials `ws://`
 * never loads `node:net`, and a browser bundle can leave out what a browser has no use for.
 *
 * To add a transport: write a leaf module that exports a `TransportModule` (see `transport.ts`),
 * and add its schemes here. `registerTransport` does the same at run time, for transports that
 * live outside this package.
 */
import { UsageError } from '../errors.js';
import type { TransportModule } from './transport.js';

type Loader = () => Promise<TransportModule>;

const tcp: Loader = async () => (await import('./tcp.js')).tcpTransport;
const ws: Loader = async () => (await import('./ws.js')).wsTransport;
const http: Loader = async () => (await import('./http.js')).httpTransport;
const memory: Loader = async () => (await import('./memory.js')).memoryTransport;

const loaders = new Map<string, Loader>([
  ['tcp', tcp],
  ['tls', tcp],
  ['unix', tcp],
  ['ws', ws],
  ['wss', ws],
  ['http', http],
  ['https', http],
  ['memory', memory],
]);

/** Schemes of the contract whose transports are not part of this build yet. */
const PLANNED: ReadonlySet<string> = new Set(['zmq+tcp', 'nats']);

/** The scheme of an address URL (`tcp` for `tcp://…`, `unix` for `unix:/…`), lower case. */
export function schemeOf(url: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  return match ? match[1]!.toLowerCase() : '';
}

/**
 * The transport module for `url`. Rejects with `UsageError` for an unknown scheme, naming the
 * known ones.
 */
export function transportFor(url: string): Promise<TransportModule> {
  const scheme = schemeOf(url);
  const loader = loaders.get(scheme);
  if (loader) return loader();
  if (PLANNED.has(scheme)) {
    return Promise.reject(
      new UsageError(`the ${scheme}: transport is not available in this version of farcall`),
    );
  }
  const known = [...loaders.keys()].map((s) => (s === 'unix' ? 'unix:' : `${s}://`)).join(', ');
  return Promise.reject(new UsageError(`unknown address '${url}' (expected one of ${known})`));
}

/**
 * Makes `module` serve `schemes` (lower case, without the colon), replacing what served them.
 * For transports that live outside this package; farcall's own are registered above.
 */
export function registerTransport(schemes: readonly string[], module: TransportModule): void {
  for (const scheme of schemes) loaders.set(scheme.toLowerCase(), async () => module);
}
