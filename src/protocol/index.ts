import { UsageError } from '../errors.js';
import type { Protocol } from './protocol.js';

export type ProtocolName = 'farcall' | 'python' | 'jsonrpc' | 'xmlrpc';

export type ProtocolLoader = () => Promise<Protocol>;

/**
 * Wire protocols by the name used in the `protocol` option and the `--protocol` flag. Each is
 * loaded on first use, so a program that speaks only the native protocol never loads the pickle
 * codec; the browser's table has only what runs there.
 */
export class ProtocolTable {
  constructor(private readonly loaders: Readonly<Record<string, ProtocolLoader>>) {}

  /** Loads a protocol by name; rejects with `UsageError` naming the known ones. */
  load(name: string | undefined): Promise<Protocol> {
    const key = name ?? 'farcall';
    if (!Object.hasOwn(this.loaders, key)) {
      return Promise.reject(
        new UsageError(
          `unknown protocol '${name}' (known: ${Object.keys(this.loaders).join(', ')})`,
        ),
      );
    }
    return this.loaders[key]!();
  }
}

export const farcallLoader: ProtocolLoader = async () =>
  (await import('./farcall/index.js')).farcallProtocol;

export const jsonrpcLoader: ProtocolLoader = async () =>
  (await import('./jsonrpc/index.js')).jsonrpcProtocol;
