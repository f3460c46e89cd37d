// A NATS-side server process for bench/nats.js, forked by bench/run.js's startChild. argv[2] is
// JSON `{ kind, url, work }`:
// - kind 'farcall': `serve({ echo, work })` on `url` (nats://HOST:PORT/SUBJECT) from the built
//   package, as a user would; `work()` burns `work` iterations of CPU, so that scaling runs
//   measure servers that have something to do.
// - kind 'raw': a plain `@nats-io/transport-node` responder in the same queue group, answering
//   each request with the bytes and headers a farcall server answers `echo(42)` with. To know
//   them, it first serves one farcall echo on a subject of its own and records one exchange.
// Sends `{ url, request? }` once ready (for 'raw', the recorded request, for the raw client);
// answers any message with `{ cpu }`.
import { connect as natsConnect, headers as natsHeaders } from '@nats-io/transport-node';
import { close, connect, serve } from 'farcall';

const { kind, url, work } = JSON.parse(process.argv[2]);

/** `n` rounds of integer arithmetic: CPU work the JIT cannot remove. */
function burn(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x * 31 + i) | 0;
  return x;
}

const api = { echo: (x) => x, work: () => burn(work ?? 0) };

/** The request and answer of one farcall `echo(42)` over NATS, bytes and headers. */
async function recordExchange(nc) {
  const probeUrl = `${url}.probe${process.pid}`;
  const subject = new URL(probeUrl).pathname.slice(1);
  const seen = {};
  const record = (name) => (_error, msg) => {
    seen[name] = { data: Buffer.from(msg.data).toString('base64'), headers: [...msg.headers] };
  };
  nc.subscribe(subject, { callback: record('request') });
  nc.subscribe('_INBOX.>', {
    callback: (_error, msg) =>
      msg.headers?.get('farcall-status') === '200' && record('answer')(null, msg),
  });
  await nc.flush();
  const server = await serve(api, { listen: probeUrl, logger: false });
  const remote = await connect(probeUrl, { logger: false });
  // The probe of connect is a request too: the call, after it, is what is kept.
  await remote.echo(42);
  await close(remote);
  await server.close();
  return seen;
}

let stop;
let info = { url };
if (kind === 'farcall') {
  const server = await serve(api, { listen: url, logger: false });
  stop = () => server.close(0);
} else {
  const nc = await natsConnect({ servers: new URL(url).host });
  const { request, answer } = await recordExchange(nc);
  const body = Buffer.from(answer.data, 'base64');
  const headers = natsHeaders();
  for (const [name, values] of answer.headers) headers.set(name, values[0]);
  nc.subscribe(new URL(url).pathname.slice(1), {
    queue: 'farcall',
    callback: (_error, msg) => msg.respond(body, { headers }),
  });
  await nc.flush();
  info = { url, request };
  stop = () => nc.close();
}
process.send(info);
process.on('message', () => process.send({ cpu: process.cpuUsage() }));
process.on('disconnect', () => {
  void stop().then(() => process.exit(0));
});
