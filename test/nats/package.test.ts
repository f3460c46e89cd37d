/**
 * The NATS transport as a user meets the built package: `farcall/nats` by name; and without
 * `@nats-io/transport-node` installed, a `nats://` address is a `UsageError` that names the
 * package, and nothing else changes (the built package is copied to a temp folder whose
 * node_modules has every dependency but that one, and used from a child process).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/attack-child.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'farcall-no-nats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("exports the transport as 'farcall/nats'", () => {
  assertBuilt();
  const script = `
    const nats = await import('farcall/nats');
    process.stdout.write(JSON.stringify([
      nats.natsTransport.shape, nats.natsTransport.batch, nats.DEFAULT_REQUEST_TIMEOUT_MS,
      nats.serviceName('billing.v1'),
    ]));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 15_000,
  });
  expect(JSON.parse(output)).toEqual(['exchange', false, 300_000, 'billing_v1']);
});

it('a nats:// address without the NATS package is a UsageError naming it', () => {
  assertBuilt();
  const pkg = join(dir, 'farcall');
  cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  mkdirSync(join(pkg, 'node_modules'));
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === '@nats-io' || entry.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(pkg, 'node_modules', entry));
  }
  const script = `
    const { connect, serve } = await import(${JSON.stringify(join(pkg, 'dist/index.js'))});
    const tcp = await serve({ add: (a, b) => a + b }, { listen: 'tcp://127.0.0.1:0', logger: false });
    const outcomes = [];
    for (const attempt of [
      () => connect('nats://127.0.0.1:4222/x'),
      () => serve({ f: () => 1 }, { listen: 'nats://127.0.0.1:4222/x', logger: false }),
    ]) {
      outcomes.push(await attempt().then(() => 'resolved', (e) => e.name + ': ' + e.message));
    }
    const remote = await connect(tcp.url, { logger: false });
    outcomes.push(String(await remote.add(1, 2)));
    await tcp.close();
    process.stdout.write(JSON.stringify(outcomes));
    process.exit(0);
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 15_000,
  });
  const [dialed, listened, tcp] = JSON.parse(output) as string[];
  const message =
    'UsageError: farcall: nats:// addresses need the @nats-io/transport-node package: npm install @nats-io/transport-node';
  expect(dialed).toBe(message);
  expect(listened).toBe(message);
  expect(tcp).toBe('3');
});
