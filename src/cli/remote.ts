/**
 * The client side shared by `call` and `ls`: the connection flags, the `--timeout` deadline,
 * and connecting with error messages that name the address. Also the flag helpers `serve`
 * shares (`--authkey`, `--protocol`, PEM files).
 */
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  AuthenticationError,
  ConnectionClosedError,
  type ConnectOptions,
  connect,
  ProtocolError,
  type ProtocolName,
  TimeoutError,
  UsageError,
} from '../index.js';
import { parseMs } from './args.js';

/** The flags every client command takes. */
export interface ClientFlags {
  authkey?: string;
  protocol?: ProtocolName;
  timeout?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** Adds the client flags to a command: authkey (or `FARCALL_AUTHKEY`), protocol, timeout, TLS. */
export function addClientOptions(command: Command): Command {
  return command
    .addOption(authkeyOption('shared secret the server requires'))
    .addOption(protocolOption())
    .option('--timeout <ms>', 'give up after this many milliseconds (connecting included)')
    .option('--tls-ca <file>', 'for tls://: PEM file of the CA that signed the server certificate')
    .option(
      '--tls-cert <file>',
      'for tls:// with client certificates: this client certificate (PEM)',
    )
    .option('--tls-key <file>', 'for tls:// with client certificates: its private key (PEM)');
}

/** `--authkey`, read from `FARCALL_AUTHKEY` when the flag is absent (the flag wins). */
export function authkeyOption(description: string): Option {
  return new Option('--authkey <key>', description).env('FARCALL_AUTHKEY');
}

/** `--protocol`, limited to the protocols farcall knows. */
export function protocolOption(): Option {
  return new Option(
    '--protocol <name>',
    'wire protocol: farcall, python (the recipe), jsonrpc (JSON-RPC 2.0, http:// and ws://) or xmlrpc (http://)',
  )
    .choices(['farcall', 'python', 'jsonrpc', 'xmlrpc'])
    .default('farcall');
}

/** An empty key is refused with the flag named, rather than taken as "no key". */
export function checkAuthkey(authkey: string | undefined): string | undefined {
  if (authkey === '') throw new UsageError('the authkey (--authkey or FARCALL_AUTHKEY) is empty');
  return authkey;
}

/** The `--timeout` of a command: its length, and the moment it runs out (a `Date.now()` value). */
export interface Deadline {
  ms: number;
  at: number;
}

/** Starts the `--timeout` clock, if the flag was given. */
export function startDeadline(timeout: string | undefined): Deadline | undefined {
  if (timeout === undefined) return undefined;
  const ms = parseMs(timeout, '--timeout');
  return { ms, at: Date.now() + ms };
}

/**
 * Runs a call under what is left of the deadline (passed on to the call, so the server learns
 * it too) and restates a timeout in the user's terms: the library counts from the call, the
 * user from the command's start.
 */
export async function callBefore<T>(
  deadline: Deadline | undefined,
  what: string,
  call: (timeout: number | undefined) => Promise<T>,
): Promise<T> {
  const timeout = deadline && Math.max(1, deadline.at - Date.now());
  try {
    return await call(timeout);
  } catch (error) {
    if (error instanceof TimeoutError && deadline) {
      throw new TimeoutError(`no answer ${what} within --timeout ${deadline.ms} ms`);
    }
    throw error;
  }
}

/** Reads a PEM file named by a flag; a missing file is a usage error naming the flag. */
export function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${file}: ${(error as Error).message}`);
  }
}

/**
 * Connects for a client command; with a deadline, gives up when it passes, with
 * `TimeoutError`. Failures are rethrown with messages that name `url`.
 */
export async function openRemote(
  url: string,
  flags: ClientFlags,
  deadline?: Deadline,
): Promise<unknown> {
  const options: ConnectOptions = {
    authkey: checkAuthkey(flags.authkey),
    protocol: flags.protocol,
    // Every failure reaches the user as this command's error; the library's log would repeat it.
    logger: false,
  };
  if (flags.tlsCa || flags.tlsCert || flags.tlsKey) {
    options.tls = {
      ca: flags.tlsCa ? readPem(flags.tlsCa, '--tls-ca') : undefined,
      cert: flags.tlsCert ? readPem(flags.tlsCert, '--tls-cert') : undefined,
      key: flags.tlsKey ? readPem(flags.tlsKey, '--tls-key') : undefined,
    };
  }
  // The library gives up at the deadline itself and closes what it opened: no late connection.
  if (deadline !== undefined) options.connectTimeout = Math.max(1, deadline.at - Date.now());
  try {
    return await connect(url, options);
  } catch (error) {
    if (error instanceof TimeoutError && deadline !== undefined) {
      throw new TimeoutError(`cannot connect to ${url} within --timeout ${deadline.ms} ms`);
    }
    throw explainConnectError(error, url);
  }
}

function explainConnectError(error: unknown, url: string): unknown {
  const detail = (e: unknown) => (e as Error).message.replace(/^farcall: /, '');
  if (error instanceof AuthenticationError) {
    return new AuthenticationError(
      `authentication with ${url} failed: ${detail(error)} (check --authkey or FARCALL_AUTHKEY)`,
    );
  }
  if (error instanceof ProtocolError) {
    return new ProtocolError(`cannot talk to ${url}: ${detail(error)}`);
  }
  if (error instanceof ConnectionClosedError) {
    const cause = error.cause instanceof Error ? error.cause : error;
    return new ConnectionClosedError(`cannot connect to ${url}: ${detail(cause)}`);
  }
  return error;
}
