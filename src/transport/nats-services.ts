/**
 * A farcall server as the NATS services API sees it (ADR-32: `$SRV.PING`, `$SRV.INFO`,
 * `$SRV.STATS`, each also `.NAME` and `.NAME.ID`), written on the core client, so `nats micro
 * ls`, `nats micro info NAME` and any services client find every server of a subject.
 *
 * A server is one instance of the service NAME (by default the subject with every character
 * the API does not allow in a name made `_`). It has one endpoint, `farcall`, on the subject, in
 * the queue group; the endpoint's metadata names each method with its parameters
 * (`"math.mul": "x, y"`), so the tools show what can be called.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';

export interface ServiceConfig {
  readonly name: string;
  readonly version: string;
  readonly subject: string;
  readonly queue: string;
  readonly methods: () => readonly { readonly name: string; readonly params: readonly string[] }[];
}

/** What the listener counts for `$SRV.STATS`. */
export interface ServiceStats {
  requests: number;
  errors: number;
  lastError: string;
  /** Time spent answering, in nanoseconds. */
  processingNs: number;
}

/** The service name the API allows (`A-Z a-z 0-9 - _`) for a subject. */
export function serviceName(subject: string): string {
  return subject.replace(/[^A-Za-z0-9_-]/g, '_');
}

const VERBS = ['PING', 'INFO', 'STATS'] as const;

/**
 * Subscribes the discovery subjects for one server instance `id`; returns the subscriptions
 * (drained with the server). A request that is not one of the verbs gets no answer.
 */
export function registerService(
  connection: NatsConnection,
  id: string,
  config: ServiceConfig,
  stats: ServiceStats,
): Subscription[] {
  const started = new Date().toISOString();
  const base = {
    name: config.name,
    id,
    version: config.version,
    metadata: { 'farcall.subject': config.subject },
  };
  const endpoint = { name: 'farcall', subject: config.subject, queue_group: config.queue };
  const answer = (msg: Msg) => {
    const verb = msg.subject.split('.')[1] as (typeof VERBS)[number];
    let body: object;
    if (verb === 'PING') body = { type: 'io.nats.micro.v1.ping_response', ...base };
    else if (verb === 'INFO') {
      const methods = Object.fromEntries(
        config.methods().map((m) => [m.name, m.params.join(', ')]),
      );
      body = {
        type: 'io.nats.micro.v1.info_response',
        ...base,
        description: `farcall RPC on '${config.subject}'`,
        endpoints: [{ ...endpoint, metadata: methods }],
      };
    } else if (verb === 'STATS') {
      const average = stats.requests === 0 ? 0 : Math.round(stats.processingNs / stats.requests);
      body = {
        type: 'io.nats.micro.v1.stats_response',
        ...base,
        started,
        endpoints: [
          {
            ...endpoint,
            num_requests: stats.requests,
            num_errors: stats.errors,
            last_error: stats.lastError,
            processing_time: stats.processingNs,
            average_processing_time: average,
          },
        ],
      };
    } else return;
    msg.respond(JSON.stringify(body));
  };
  return [`$SRV.*`, `$SRV.*.${config.name}`, `$SRV.*.${config.name}.${id}`].map((subject) =>
    connection.subscribe(subject, { callback: (_error, msg) => answer(msg) }),
  );
}
