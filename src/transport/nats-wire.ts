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
 */
import type { MsgHdrs } from '@nats-io/transport-node';

/** The answer's status, as the HTTP status of the same answer. */
export const STATUS_HEADER = 'farcall-status';

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
