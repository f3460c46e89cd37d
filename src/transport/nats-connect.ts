/**
 * Reaching a NATS server for `nats://[USER:PASS@|TOKEN@]HOST[:PORT]/SUBJECT`: the URL, the
 * credentials, and the client library, `@nats-io/transport-node`, an optional peer dependency
 * loaded here on first use (a program that never dials `nats://` never loads it).
 */
import { readFile } from 'node:fs/promises';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { AbortError, AuthenticationError, ConnectionClosedError, UsageError } from '../errors.js';

export type NatsLibrary = typeof import('@nats-io/transport-node');

/** What the `transport` option of `serve`/`connect` may hold for `nats://`. */
export interface NatsTransportOptions {
  /**
   * Options passed to the NATS client's `connect` as they are: `authenticator` (an nkey or JWT
   * authenticator of `@nats-io/transport-node`), `user`/`pass`, `token`, `name`,
   * `maxReconnectAttempts`, … Credentials in the URL take precedence over none, never over these.
   */
  nats?: Partial<NodeConnectionOptions> | undefined;
  /** A NATS `.creds` file (a user JWT and its nkey seed), read when connecting. */
  credsFile?: string | undefined;
  /**
   * How long a call with no farcall timeout waits for its answer, in ms (default 300,000). NATS
   * never says that the server which took a request has gone, so every request is bounded.
   */
  requestTimeout?: number | undefined;
  /** The queue group every server of the subject joins (default `farcall`). */
  queue?: string | undefined;
  /** The name servers register under in the NATS services API (default: from the subject). */
  service?: string | undefined;
  /** The version servers report in the services API (default `0.0.0`). */
  serviceVersion?: string | undefined;
  /** TLS to the NATS server (`ca`, `cert`, `key` as PEM, or `caFile`, …): `tls` of serve/connect. */
  tls?: Record<string, unknown> | undefined;
}

export interface NatsTarget {
  /** `host:port` of the NATS server. */
  readonly server: string;
  readonly subject: string;
  readonly user?: string | undefined;
  readonly pass?: string | undefined;
  readonly token?: string | undefined;
  /** The URL without credentials, for `server.urls`, messages and logs. */
  readonly url: string;
}

/** One or more tokens of letters, digits, `-`, `_`, `$`, separated by dots: no wildcards. */
const SUBJECT = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** Parses a `nats://` URL; throws `UsageError` naming what is wrong. */
export function parseNatsUrl(url: string): NatsTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`cannot parse '${url}' (expected nats://HOST:PORT/SUBJECT)`);
  }
  if (parsed.protocol !== 'nats:') throw new UsageError(`not a nats URL: '${url}'`);
  const subject = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!SUBJECT.test(subject)) {
    throw new UsageError(
      `'${url}' needs a subject of dot-separated tokens without wildcards (nats://HOST:PORT/SUBJECT)`,
    );
  }
  const port = parsed.port === '' ? 4222 : Number(parsed.port);
  const host = parsed.hostname;
  const user = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const pass = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  return {
    server: `${host}:${port}`,
    subject,
    // A user without a password is a token, as in the NATS tools' URLs.
    ...(user !== undefined && pass === undefined ? { token: user } : { user, pass }),
    url: `nats://${host}:${port}/${subject}`,
  };
}

export function isLoopbackHost(server: string): boolean {
  const host = server.slice(0, server.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

let library: Promise<NatsLibrary> | undefined;

/** Loads `@nats-io/transport-node`; rejects with `UsageError` saying how to install it. */
export function loadNats(): Promise<NatsLibrary> {
  library ??= import('@nats-io/transport-node').catch((error: unknown) => {
    library = undefined;
    throw new UsageError(
      'nats:// addresses need the @nats-io/transport-node package: npm install @nats-io/transport-node',
      { cause: error },
    );
  });
  return library;
}

/**
 * Connects to the NATS server of `target`. Rejects with `AuthenticationError` when it refuses
 * the credentials, `AbortError` when `signal` aborts (a connection made after is closed),
 * `ConnectionClosedError` when it cannot be reached.
 */
export async function connectNats(
  target: NatsTarget,
  options: NatsTransportOptions,
  signal?: AbortSignal,
): Promise<{ nats: NatsLibrary; connection: NatsConnection }> {
  const nats = await loadNats();
  const settings: NodeConnectionOptions = {
    servers: target.server,
    user: target.user,
    pass: target.pass,
    token: target.token,
    name: `farcall ${target.subject}`,
    ...options.nats,
  };
  if (options.credsFile) {
    const creds = await readFile(options.credsFile).catch((error: Error) => {
      throw new UsageError(`cannot read the NATS creds file: ${error.message}`);
    });
    settings.authenticator = nats.credsAuthenticator(new Uint8Array(creds));
  }
  if (options.tls && settings.tls === undefined) settings.tls = pemStrings(options.tls);
  if (signal?.aborted) throw abortError(signal);
  const connecting = nats.connect(settings);
  try {
    const connection = await raceAbort(connecting, signal);
    return { nats, connection };
  } catch (error) {
    if (signal?.aborted) {
      connecting.then((c) => c.close()).catch(() => {});
      throw error;
    }
    const detail = (error as Error).message;
    if (error instanceof nats.errors.AuthorizationError) {
      throw new AuthenticationError(
        `the NATS server at ${target.server} refused the credentials: ${detail}`,
        { cause: error },
      );
    }
    throw new ConnectionClosedError(`cannot reach the NATS server at ${target.server}: ${detail}`, {
      cause: error,
    });
  }
}

/** Node's TLS options carry PEM as buffers; the NATS client wants strings. */
function pemStrings(tls: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tls)) {
    if (value === undefined) continue;
    out[key] = value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value;
  }
  return out;
}

/** Why the dial was aborted: the connect timeout's `TimeoutError`, or the user's reason. */
function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new AbortError('connecting to NATS was aborted', { cause: signal.reason });
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
