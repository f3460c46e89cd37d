import { UsageError } from '../errors.js';

/** A byte-stream socket address: TCP or TLS host and port, or a Unix socket path. */
export type Address =
  | { scheme: 'tcp' | 'tls'; host: string; port: number }
  | { scheme: 'unix'; path: string };

/**
 * Parses an address URL: `tcp://HOST:PORT`, `tls://HOST:PORT` (IPv6 hosts in brackets) or
 * `unix:/PATH`. Throws `UsageError` naming what is wrong.
 */
export function parseAddress(url: string): Address {
  const colon = url.indexOf(':');
  const scheme = colon > 0 ? url.slice(0, colon) : '';
  if (scheme === 'unix') {
    const path = url.slice(colon + 1).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new UsageError(`no socket path in '${url}' (expected unix:/PATH)`);
    return { scheme, path };
  }
  if (scheme === 'tcp' || scheme === 'tls') {
    const match = /^(?:tcp|tls):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d+)\/?$/.exec(url);
    if (!match) throw new UsageError(`cannot parse '${url}' (expected ${scheme}://HOST:PORT)`);
    const port = Number(match[2]);
    if (port > 65535) throw new UsageError(`port ${port} in '${url}' is out of range`);
    return { scheme, host: match[1]!.replace(/^\[|\]$/g, ''), port };
  }
  throw new UsageError(`unknown address '${url}' (expected tcp://, tls:// or unix:)`);
}

/** Formats an address back into a URL, with IPv6 hosts in brackets. */
export function formatAddress(address: Address): string {
  if (address.scheme === 'unix') return `unix:${address.path}`;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${address.scheme}://${host}:${address.port}`;
}

/** Whether a server bound here is reachable from other machines. */
export function isLoopback(address: Address): boolean {
  if (address.scheme === 'unix') return true;
  const host = address.host;
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
