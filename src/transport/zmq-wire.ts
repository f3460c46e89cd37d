/**
 * How farcall's frames ride in ZeroMQ messages (docs/protocol.md, "ZeroMQ"). The envelope is
 * ZeroMQ's REQ/REP one, so REQ and REP sockets are peers:
 *
 * - a frame of a connection: `['', frame]`, the empty delimiter then one part;
 * - an exchange request: `['', meta, body]`, its answer `['', meta, body]` (meta is JSON);
 * - a close: `['farcall:close']` from a client (its goodbye), `['farcall:close', reason]` from a
 *   server (this connection is over, or it never knew it). It has no delimiter: a REQ socket
 *   discards it, but libzmq's REP can lose the next client's request to one, so a client sends
 *   its goodbye to farcall servers only (the native protocol).
 *
 * A ROUTER sees the same messages behind the routing parts ZeroMQ adds (one per ROUTER on the
 * way: the peer's routing id, and a device's), and answers with the same routing parts in front.
 */
import { ProtocolError, UsageError } from '../errors.js';
import type { Parts } from './zmq-socket.js';

export const DELIMITER = Buffer.alloc(0);
export const CLOSE = Buffer.from('farcall:close');
/** An exchange's meta part is a small JSON object; past this it is refused unread. */
export const MAX_META_BYTES = 16 * 1024;

/** A parsed `zmq+tcp://HOST:PORT[?connect|?exchange]`. */
export interface ZmqAddress {
  readonly host: string;
  readonly port: number;
  /** `connect`: a server connects (to a device) instead of binding; `exchange`: a client sends each call on its own. */
  readonly mode: 'default' | 'connect' | 'exchange';
  /** The libzmq endpoint, `tcp://HOST:PORT` (`*` for port 0 when binding). */
  readonly endpoint: string;
}

/** Throws `UsageError` naming what is wrong with `url`. */
export function parseZmqAddress(url: string): ZmqAddress {
  const match = /^zmq\+tcp:\/\/([^:/?#[\]]+):(\d+)\/?(?:\?([a-z]*))?$/i.exec(url);
  if (!match) {
    throw new UsageError(
      `cannot parse '${url}' (expected zmq+tcp://HOST:PORT, with ?connect or ?exchange; IPv6 hosts are not supported)`,
    );
  }
  const port = Number(match[2]);
  if (port > 65535) throw new UsageError(`port ${port} in '${url}' is out of range`);
  const flag = match[3] ?? '';
  if (flag !== '' && flag !== 'connect' && flag !== 'exchange') {
    throw new UsageError(`unknown option '?${flag}' in '${url}' (known: ?connect, ?exchange)`);
  }
  const host = match[1]!;
  const mode = flag === '' ? 'default' : flag;
  return { host, port, mode, endpoint: `tcp://${host}:${port === 0 ? '*' : port}` };
}

/** Whether a server bound or connected here is reachable from other machines. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.');
}

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && Buffer.compare(a, b) === 0;
}

/** The meta part of an exchange request: its id, the body's type, and the protocol's headers. */
export interface RequestMeta {
  readonly id: number;
  readonly type: string;
  readonly headers: Record<string, string>;
}

/** The meta part of an exchange answer. */
export interface ResponseMeta {
  readonly id: number;
  readonly status: number;
  readonly headers: Record<string, string>;
}

export function encodeMeta(meta: RequestMeta | ResponseMeta): Buffer {
  return Buffer.from(JSON.stringify(meta));
}

/**
 * Reads a meta part; throws `ProtocolError` for one that is too long, not JSON, or without an
 * integer `id` and string `headers`. `field` is the other field read (`type` or `status`).
 */
export function decodeMeta(part: Buffer, field: 'type'): RequestMeta;
export function decodeMeta(part: Buffer, field: 'status'): ResponseMeta;
export function decodeMeta(part: Buffer, field: 'type' | 'status'): RequestMeta | ResponseMeta {
  if (part.length > MAX_META_BYTES) {
    throw new ProtocolError(
      `an exchange meta part of ${part.length} bytes (at most ${MAX_META_BYTES})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(part.toString('utf8'));
  } catch {
    throw new ProtocolError('an exchange meta part that is not JSON');
  }
  const meta = value as Record<string, unknown> | null;
  const id = meta?.id;
  const headers = meta?.headers ?? {};
  const other = meta?.[field];
  if (
    typeof id !== 'number' ||
    !Number.isInteger(id) ||
    id < 0 ||
    id > 0xffffffff ||
    typeof headers !== 'object' ||
    headers === null ||
    Object.values(headers).some((v) => typeof v !== 'string') ||
    (field === 'type' ? typeof other !== 'string' : !Number.isInteger(other))
  ) {
    throw new ProtocolError(
      `an exchange meta part of the wrong shape (expected id, ${field}, headers)`,
    );
  }
  // Copied into a null-prototype map: header names come from the wire.
  const copy: Record<string, string> = Object.create(null);
  for (const [name, v] of Object.entries(headers)) copy[name.toLowerCase()] = v as string;
  return field === 'type'
    ? { id, type: other as string, headers: copy }
    : { id, status: other as number, headers: copy };
}

/** A short hex name for routing parts, for logs: `00ab12cd34` or `00ab12cd34/0080000001`. */
export function routingName(routing: Parts): string {
  return routing.map((part) => part.subarray(0, 32).toString('hex')).join('/');
}
