/**
 * Which web pages may call a farcall endpoint: the `origins` option, shared by the Node HTTP and
 * WebSocket transports and the Fetch handler. No platform module: plain header records in, plain
 * header records out.
 *
 * Off by default, and why: a browser attaches a page's requests to whatever server it names, so
 * any site a user visits could call a farcall server on their machine or network (a server on
 * 127.0.0.1 is reachable from every tab). For `fetch`, CORS makes the browser ask first (our
 * content types are not "simple", so every call is preflighted), and without an allow-listed
 * origin the answer is no. WebSocket has no CORS at all: a page on any site may open
 * `ws://127.0.0.1:8080/ws`, and only the server can refuse it, by its `Origin` header. So both
 * transports refuse a request or an upgrade whose `Origin` is neither the endpoint's own (a page
 * it served, like the playground) nor listed; clients that are not browsers send no `Origin` and
 * are not affected. With an authkey a page would also need the key, but it is no substitute.
 */
import { UsageError } from '../errors.js';

/** The request headers a page may send: the body's type, the authkey proof, the client id. */
export const ALLOWED_HEADERS = 'content-type, farcall-auth, farcall-client';
/** How long a browser may cache a preflight answer, in seconds. */
const MAX_AGE = 600;

export type OriginVerdict =
  /** No `Origin` header: not a browser's cross-origin request. */
  | 'none'
  /** The page came from this endpoint's own host and port. */
  | 'same'
  /** The origin is in the `origins` option. */
  | 'allowed'
  | 'refused';

/** The `origins` option checked: each must be an origin (`https://app.example`, no path). */
export function originSet(origins: unknown): ReadonlySet<string> {
  if (origins === undefined || origins === null) return new Set();
  if (!Array.isArray(origins)) throw new UsageError('origins must be an array of origins');
  const set = new Set<string>();
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = typeof origin === 'string' ? new URL(origin) : undefined;
    } catch {}
    if (!parsed || parsed.origin === 'null' || parsed.origin !== origin.replace(/\/$/, '')) {
      throw new UsageError(
        `origins: '${String(origin)}' is not an origin (expected scheme://host[:port], like https://app.example)`,
      );
    }
    set.add(parsed.origin);
  }
  return set;
}

/**
 * Judges a request's `Origin` against the endpoint's `Host` and the allowed set. Same origin is
 * decided on host and port alone, so a page behind a proxy that ends TLS is still its own.
 */
export function judgeOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowed: ReadonlySet<string>,
): OriginVerdict {
  if (origin === undefined) return 'none';
  if (allowed.has(origin)) return 'allowed';
  if (host !== undefined && origin !== 'null') {
    try {
      if (new URL(origin).host === new URL(`http://${host}`).host) return 'same';
      if (new URL(origin).host === new URL(`https://${host}`).host) return 'same';
    } catch {}
  }
  return 'refused';
}

/** Headers that let an allowed page read a response (and its authkey proof). */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'farcall-auth',
    vary: 'origin',
  };
}

/** The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed page. */
export function preflightHeaders(origin: string): Record<string, string> {
  return {
    ...corsHeaders(origin),
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': String(MAX_AGE),
  };
}

/** The message logged and sent when an origin is refused. */
export function refusedOrigin(origin: string): string {
  return `requests from the page origin ${origin.slice(0, 200)} are not allowed (serve's origins option lists the pages that may call)`;
}
