/**
 * `farcall serve` of a plain .js module, graceful shutdown, TLS, and the command line itself:
 * help, version and usage errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCerts, opensslAvailable } from '../helpers/certs.js';
import { assertBuilt, fixture, killServers, run, startServe } from './helpers.js';

beforeAll(() => assertBuilt());
afterAll(killServers);

describe('farcall serve of a .js module with a default-exported object', () => {
  it('serves its functions and namespaces, and shuts down gracefully on SIGTERM', async () => {
    const server = await startServe([
      fixture('default-object.js'),
      '--listen',
      'tcp://127.0.0.1:0',
      '--expose-stack',
    ]);
    const url = server.urls[0]!;
    expect(await run(['ls', url])).toMatchObject({
      code: 0,
      stdout: 'fail\nhello\nslow\ntools.upper\n',
    });
    expect(await run(['call', url, 'tools.upper', 'abc'])).toMatchObject({ stdout: '"ABC"\n' });
    // With --expose-stack, the remote stack follows the NAME: MESSAGE line.
    const failed = await run(['call', url, 'fail']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^RangeError: out of range\nremote stack:\n.*default-object\.js/s,
    );

    // SIGTERM while a call is in flight: the call still gets its answer, then serve exits 0.
    const inFlight = run(['call', url, 'slow', '800']);
    await server.waitForStderr('slow 800 started');
    const exitCode = server.stop('SIGTERM');
    expect(await inFlight).toMatchObject({ code: 0, stdout: '"slept 800"\n', stderr: '' });
    expect(await exitCode).toBe(0);
    expect(server.stderr()).toContain('farcall: SIGTERM: closing');
    // And nothing is served any more.
    expect((await run(['ls', url])).code).toBe(2);
  });
});

describe('farcall serve of a module exporting one api by name and as the default', () => {
  it('serves every namespace under both, and not the exported error class', async () => {
    const server = await startServe([
      fixture('named-and-default.js'),
      '--listen',
      'tcp://127.0.0.1:0',
    ]);
    const url = server.urls[0]!;
    expect(await run(['ls', url])).toMatchObject({
      code: 0,
      stdout: 'add\napi.add\napi.find\napi.math.mul\nfind\nmath.mul\n',
    });
    expect(await run(['call', url, 'math.mul', '4', '5'])).toMatchObject({ stdout: '20\n' });
    expect(await run(['call', url, 'find', '7'])).toMatchObject({
      code: 1,
      stderr: 'NotFoundError: no user 7\n',
    });
    expect(await server.stop()).toBe(0);
  });
});

describe.runIf(opensslAvailable())('farcall over tls://', () => {
  it('serves and calls with mutual TLS; a client without a certificate is refused', async () => {
    const certs = makeCerts();
    const file = (name: string) => join(certs.dir, name);
    try {
      const server = await startServe([
        fixture('default-object.js'),
        '--listen',
        'tls://127.0.0.1:0',
        ...['--tls-key', file('server.key'), '--tls-cert', file('server.crt')],
        ...['--tls-ca', file('ca.crt'), '--tls-request-cert'],
      ]);
      const url = server.urls[0]!;
      expect(url).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
      const trust = ['--tls-ca', file('ca.crt')];
      const identity = ['--tls-cert', file('client.crt'), '--tls-key', file('client.key')];
      expect(await run(['call', url, 'hello', 'tls', ...trust, ...identity])).toMatchObject({
        code: 0,
        stdout: '"hi tls"\n',
      });
      const anonymous = await run(['call', url, 'hello', 'tls', ...trust]);
      expect(anonymous.code).toBe(2);
      expect(anonymous.stderr).toMatch(/^farcall: /);
      expect(await server.stop()).toBe(0);
    } finally {
      certs.cleanup();
    }
  });
});

describe('farcall serve failures', () => {
  it('exits 2 when the module cannot be loaded', async () => {
    const result = await run(['serve', 'no/such/module.ts', '--listen', 'tcp://127.0.0.1:0']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe('farcall: cannot load no/such/module.ts: no such file\n');
  });

  it('exits 2 for a tls:// address without --tls-key and --tls-cert', async () => {
    const result = await run(['serve', fixture('api.ts'), '--listen', 'tls://127.0.0.1:0']);
    expect(result).toMatchObject({
      code: 2,
      stderr: 'farcall: a tls:// address needs --tls-key and --tls-cert\n',
    });
  });

  it('exits 2 for a malformed --listen address', async () => {
    const result = await run(['serve', fixture('default-object.js'), '--listen', 'tcp://nowhere']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^farcall: cannot parse 'tcp:\/\/nowhere'/);
  });
});

describe('the command line', () => {
  it.each([[[]], [['serve']], [['call']], [['ls']]])(
    'farcall %j --help exits 0 with examples',
    async (command) => {
      const result = await run([...command, '--help']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(new RegExp(`^Usage: farcall ${command.join(' ')}`));
      expect(result.stdout).toContain('Examples:\n  $ farcall ');
    },
  );

  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it.each([
    ['no command', [], /Usage: farcall/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['a missing argument', ['call', 'tcp://127.0.0.1:1'], /missing required argument 'method'/],
    ['a missing --listen', ['serve', 'api.ts'], /required option '--listen <url>' not specified/],
    ['an unknown option', ['ls', 'tcp://127.0.0.1:1', '--bogus'], /unknown option '--bogus'/],
    ['a bad --protocol', ['ls', 'tcp://127.0.0.1:1', '--protocol', 'x'], /argument 'x' is invalid/],
    [
      'a bad --timeout',
      ['ls', 'tcp://127.0.0.1:1', '--timeout', '-5'],
      /--timeout must be a positive/,
    ],
  ])('exits 2 on %s', async (_what, args, message) => {
    const result = await run(args);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(message);
  });
});
