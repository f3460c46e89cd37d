/**
 * `stats(remote)`: what one connection holds now, so that a leak of calls, streams or
 * callbacks shows as a number that does not go back to zero.
 */
import { proxyState } from '../proxy.js';
import type { ObjectCounts } from './remote-objects.js';

/** One connection's live calls, streams and references, as this end counts them. */
export interface ConnectionStats extends ObjectCounts {
  /** The other end's address. */
  readonly peer: string;
  /** False once the connection closed (every count is then zero). */
  readonly open: boolean;
  /** Calls this end made that wait for their answer, those held past the peer's window too. */
  readonly pendingCalls: number;
  /** Calls of the peer this end is running now. */
  readonly runningCalls: number;
}

/** What a caller that has a connection to report on implements. */
export interface StatsSource {
  stats(): ConnectionStats;
}

/**
 * The counts of the connection behind `remote` (any proxy from `connect`, or `call.caller`).
 * An HTTP remote has no streams or references: it reports its pending calls alone. Throws
 * `UsageError` for anything that is not a farcall remote.
 */
export function stats(remote: unknown): ConnectionStats {
  const caller = proxyState(remote).caller as Partial<StatsSource> & { url: string };
  if (typeof caller.stats === 'function') return caller.stats();
  return {
    peer: caller.url,
    open: true,
    pendingCalls: 0,
    runningCalls: 0,
    streams: { outgoing: 0, incoming: 0 },
    references: { exported: 0, imported: 0 },
  };
}
