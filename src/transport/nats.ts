/**
 * `nats://[USER:PASS@|TOKEN@]HOST[:PORT]/SUBJECT`: NATS request/reply, an exchange transport.
 * Every server of a subject joins one queue group, so any number of servers, processes or
 * machines, share its calls and NATS balances them; a client sends one NATS request per call
 * and gets its answer on its own inbox. On `@nats-io/transport-node`, an optional peer
 * dependency, loaded when a `nats://` address is first used.
 *
 * Transport options (`transport` of `serve`/`connect`, see `NatsTransportOptions`): `nats` for
 * the NATS client's own connect options (an nkey or JWT `authenticator`, …), `credsFile`,
 * `requestTimeout`, `queue`, `service`, `serviceVersion`; `tls` of `serve`/`connect` is TLS to
 * the NATS server. Credentials may also ride in the URL.
 */
import {
  connectNats,
  isLoopbackHost,
  type NatsTransportOptions,
  parseNatsUrl,
} from './nats-connect.js';
import { natsListener } from './nats-listener.js';
import { NatsRequester } from './nats-requester.js';
import type { TransportModule } from './transport.js';

/** How long a call with no farcall timeout waits for its answer by default, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

export const natsTransport: TransportModule = {
  shape: 'exchange',
  // One request per call: each is balanced on its own, bounded by its own deadline, and its
  // cancel reaches the server that runs it.
  batch: false,
  async dial(url, options) {
    const target = parseNatsUrl(url);
    const transport = options.transport as NatsTransportOptions;
    const { nats, connection } = await connectNats(target, transport, options.signal);
    try {
      return new NatsRequester(
        nats,
        connection,
        target,
        transport.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
        transport.nats?.inboxPrefix,
      );
    } catch (error) {
      await connection.close();
      throw error;
    }
  },
  async listen(url, options) {
    const target = parseNatsUrl(url);
    const transport = options.transport as NatsTransportOptions;
    const { nats, connection } = await connectNats(target, transport);
    // Whoever can reach the NATS server can call: credentials to it count as a key would.
    const guarded =
      target.user !== undefined ||
      target.token !== undefined ||
      transport.credsFile !== undefined ||
      transport.nats?.authenticator !== undefined ||
      transport.nats?.user !== undefined ||
      transport.nats?.token !== undefined;
    return natsListener(
      nats,
      connection,
      target,
      options,
      transport,
      guarded || isLoopbackHost(target.server),
    );
  },
};
