/** The CLI over NATS: `farcall serve --listen nats://…`, `farcall ls` and `farcall call`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, killServers, run, type Served, startServe } from '../cli/helpers.js';
import { type NatsServer, natsServerAvailable, startNatsServer } from '../helpers/nats-server.js';

const WORKER = new URL('fixtures/worker.js', import.meta.url).pathname;
const haveNats = natsServerAvailable();

describe.skipIf(!haveNats)('farcall over nats://', () => {
  let nats: NatsServer;
  let served: Served;

  beforeAll(async () => {
    assertBuilt();
    nats = await startNatsServer();
    served = await startServe([WORKER, '--listen', nats.url('cli.jobs')]);
  });
  afterAll(async () => {
    killServers();
    await nats?.stop();
  });

  it('serve prints the subject it listens on', () => {
    expect(served.urls).toEqual([nats.url('cli.jobs')]);
  });

  it('ls lists the methods of the servers behind the subject', async () => {
    const result = await run(['ls', nats.url('cli.jobs'), '--timeout', '5000']);
    expect(result).toMatchObject({ code: 0, stdout: 'slow\nwork\n' });
  });

  it('call calls one of them', async () => {
    const result = await run(['call', nats.url('cli.jobs'), 'work', '7']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ id: 7, pid: served.child.pid });
  });

  it('a subject nobody serves is a connection failure, exit 2, at once', async () => {
    const result = await run(['ls', nats.url('nobody.here'), '--timeout', '5000']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no farcall server serves 'nobody.here'.*no responders/);
  });
});
