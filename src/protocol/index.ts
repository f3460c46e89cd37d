import { UsageError } from '../errors.js';
import type { Protocol } from './protocol.js';

export type ProtocolName = 'farcall' | 'python';

/**
 * Wire protocols by the name used in the `protocol` option and the `--protocol` flag. Each is
 * loaded on first use, so a program that speaks only the native protocol never loads the pickle
 * codec.
 */
const loaders: Record<ProtocolName, () => Promise<Protocol>> = {
  farcall: async () => (await import('./farcall/index.js')).farcallProtocol,
  python: async () => (await import('./python/index.js')).pythonProtocol,
};

/** Loads a protocol by name; rejects with `UsageError` naming the known ones. */
export function loadProtocol(name: string | undefined): Promise<Protocol> {
  const key = name ?? 'farcall';
  if (!Object.hasOwn(loaders, key)) {
    return Promise.reject(
      new UsageError(`unknown protocol '${name}' (known: ${Object.keys(loaders).join(', ')})`),
    );
  }
  return loaders[key as ProtocolName]();
}
