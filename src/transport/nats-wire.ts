/**
 * What farcall puts in NATS messages besides the protocol's bytes (`docs/protocol.md`, "NATS").
 *
 * - A request is a message on SUBJECT whose body is what an HTTP POST body would be, with the
 *   HTTP request's headers as NATS headers (`content-type`, `farcall-client`, `farcall-auth`),
 *   and a reply subject unless it holds only notifications.
 * - Its answer, on the reply subject, is the HTTP response's body, with its status in
 *   `farcall-status` (200, 204, 400, 401, 413, 415) and its other headers.
 * - A cancel is a message on `_FARCALL.CANCEL.SUBJECT` whose body is the reply subject of the
 *   request given up on; every server of the subject hears it.
 * - A request that carries `farcall-notice: 1` and is still running after `NOTICE_MS` gets a
 *   notice first, on its reply subject: no body, `farcall-status: 102`, and `farcall-server:
 *   NAME.ID`, the server's instance in the services API. While it waits, the client pings
 *   `$SRV.PING.NAME.ID`; "no responders" means that server is gone, and so is the call.
 */
import type { MsgHdrs } from '@nats-io/transport-node';

/** The answer's status, as the HTTP status of the same answer. */
export const STATUS_HEADER = 'farcall-status';

/** Asks the server for a notice once the request has run `NOTICE_MS` (value `1`). */
export const NOTICE_HEADER = 'farcall-notice';
/** In a notice: the server's service name and instance id, `NAME.ID`. */
export const SERVER_HEADER = 'farcall-server';
/** The status of a notice (HTTP's "processing"): the answer is still to come. */
export const NOTICE_STATUS = '102';
/**
 * How long a request runs before its server sends a notice, in ms. Quick calls, nearly all of
 * them, never get one; a call that runs longer costs one more message, and in exchange fails
 * within about `LIVENESS_MS` of its server's death instead of at its deadline.
 */
export const NOTICE_MS = 250;
/** How often a client pings the servers that hold its noticed calls, in ms. */
export const LIVENESS_MS = 1000;

/** The queue group every server of a subject joins unless told otherwise. */
export const DEFAULT_QUEUE = 'farcall';

/** Where cancels of requests on `subject` are published. */
export function cancelSubject(subject: string): string {
  return `_FARCALL.CANCEL.${subject}`;
}

/** A message's headers as a record with lower-case names (the first value of each). */
export function readHeaders(headers: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, values] of headers) {
    const value = values[0];
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}
