/**
 * Transports by URL scheme, each loaded on first use, so that a program that only dials `ws://`
 * never loads `node:net`, and a browser bundle can leave out what a browser has no use for: the
 * Node table (`node-schemes.ts`) and the browser's (`browser-schemes.ts`) are two instances.
 *
 * To add a transport: write a leaf module that exports a `TransportModule` (see `transport.ts`),
 * and add its schemes to the tables that should have it. `registerTransport` does the same at
 * run time, for transports that live outside this package.
 */
import { UsageError } from '../errors.js';
import type { TransportModule } from './transport.js';

export type TransportLoader = () => Promise<TransportModule>;

/** The scheme of an address URL (`tcp` for `tcp://…`, `unix` for `unix:/…`), lower case. */
export function schemeOf(url: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  return match ? match[1]!.toLowerCase() : '';
}

export class SchemeTable {
  private readonly loaders: Map<string, TransportLoader>;

  constructor(
    loaders: Iterable<readonly [string, TransportLoader]>,
    /** Schemes of the contract this table does not have yet: refused with a clearer message. */
    private readonly planned: ReadonlySet<string> = new Set(),
  ) {
    this.loaders = new Map(loaders);
  }

  /** The module for `url`; rejects with `UsageError` for an unknown scheme, naming the known ones. */
  transportFor(url: string): Promise<TransportModule> {
    const scheme = schemeOf(url);
    const loader = this.loaders.get(scheme);
    if (loader) return loader();
    if (this.planned.has(scheme)) {
      return Promise.reject(
        new UsageError(`the ${scheme}: transport is not available in this version of farcall`),
      );
    }
    const known = [...this.loaders.keys()]
      .map((s) => (s === 'unix' ? 'unix:' : `${s}://`))
      .join(', ');
    return Promise.reject(new UsageError(`unknown address '${url}' (expected one of ${known})`));
  }

  /** Makes `module` serve `schemes` (lower case, without the colon), replacing what served them. */
  register(schemes: readonly string[], module: TransportModule): void {
    for (const scheme of schemes) this.loaders.set(scheme.toLowerCase(), async () => module);
  }
}
