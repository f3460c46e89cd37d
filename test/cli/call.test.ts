/**
 * `farcall call` and `farcall ls` against one shared `farcall serve` of fixtures/api.ts, bound
 * to TCP and a Unix socket, with an authkey.
 */
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, killServers, run, type Served, startServe } from './helpers.js';

const KEY = 'sesame';
let server: Served;
let tcp: string;
let unix: string;

/** `farcall call URL …` with the right key unless the test gives its own. */
const call = (args: string[], env?: Record<string, string | undefined>) =>
  run(['call', tcp, ...args], { env: { FARCALL_AUTHKEY: KEY, ...env } });

beforeAll(async () => {
  assertBuilt();
  const socket = join(tmpdir(), `farcall-cli-${process.pid}.sock`);
  server = await startServe([
    fixture('api.ts'),
    '--listen',
    'tcp://127.0.0.1:0',
    '--listen',
    `unix:${socket}`,
    '--authkey',
    KEY,
  ]);
  [tcp, unix] = server.urls as [string, string];
});

afterAll(async () => {
  // One hook, in this order: vitest runs separate afterAll hooks last-registered first, which
  // would SIGKILL the server before it could be stopped gracefully.
  try {
    expect(await server?.stop()).toBe(0);
  } finally {
    killServers();
  }
});

describe('farcall serve', () => {
  it('prints one "listening on URL" line per address, with the bound port', () => {
    expect(tcp).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(unix).toMatch(/^unix:\/.*\.sock$/);
    expect(server.stdout()).toBe(`listening on ${tcp}\nlistening on ${unix}\n`);
  });
});

describe('farcall call', () => {
  it('prints the result as JSON and exits 0', async () => {
    expect(await call(['add', '2', '3'])).toMatchObject({ code: 0, stdout: '5\n', stderr: '' });
    expect(await call(['greet', 'bob'])).toMatchObject({ code: 0, stdout: '"hello, bob"\n' });
  });

  it('parses each ARG as JSON where it parses (numbers only in canonical form), else as a string', async () => {
    const big = '123456789012345678901234';
    const args = [
      '-2',
      '1.5',
      '"3"',
      'x y',
      '{"a":[1]}',
      'null',
      'true',
      big,
      '007',
      '1.50',
      '1e3',
    ];
    args.push('--', '--flag-like');
    const result = await call(['echo', ...args]);
    expect(result.code).toBe(0);
    // The big integer went as a BigInt and comes back digit for digit.
    expect(result.stdout).toContain(`  ${big},\n`);
    expect(JSON.parse(result.stdout.replace(big, '0'))).toEqual([
      -2,
      1.5,
      '3',
      'x y',
      { a: [1] },
      null,
      true,
      0,
      '007',
      '1.50',
      '1e3',
      '--flag-like',
    ]);
  });

  it('calls namespaced methods by their dotted name', async () => {
    expect(await call(['math.mul', '4', '5'])).toMatchObject({ code: 0, stdout: '20\n' });
  });

  it('prints values JSON cannot show in the documented forms', async () => {
    const result = await call(['odd']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `{
  "nothing": null,
  "big": 1180591620717411303424,
  "bytes": {
    "$bytes": "AQL/"
  },
  "map": [
    [
      "a",
      1
    ],
    [
      2,
      "b"
    ]
  ],
  "set": [
    1,
    2
  ],
  "when": "2024-01-02T03:04:05.000Z",
  "nan": "NaN",
  "negativeZero": -0
}
`,
    );
  });

  it('prints a remote error as NAME: MESSAGE on stderr and exits 1', async () => {
    expect(await call(['sub', 'a', '1'])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'TypeError: unsupported operand\n',
    });
    const missing = await call(['nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("MethodNotFoundError: no method named 'nope'\n");
  });

  it('passes --kwargs to an acceptsKwargs function', async () => {
    expect(await call(['scale', '2', '--kwargs', '{"factor": 3}'])).toMatchObject({
      code: 0,
      stdout: '6\n',
    });
    // A function without the mark refuses them: a remote error.
    const refused = await call(['add', '1', '2', '--kwargs', '{"z": 1}']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^TypeError: add\(\) got unexpected keyword arguments: z/);
  });

  it('refuses --kwargs that is not a JSON object with exit 2, before connecting', async () => {
    const result = await run(['call', 'tcp://127.0.0.1:1', 'add', '--kwargs', '[1]']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(`farcall: --kwargs must be a JSON object, like '{"z": 3}'\n`);
  });

  it('gives up after --timeout with exit 2', async () => {
    const result = await call(['slow', '5000', '--timeout', '300']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `farcall: no answer from ${tcp} to 'slow' within --timeout 300 ms\n`,
    );
    expect(result.ms).toBeLessThan(3000);
    // A --timeout long enough lets the answer through.
    expect(await call(['slow', '20', '--timeout', '5000'])).toMatchObject({ stdout: '"done"\n' });
  });

  it('refuses a wrong or missing authkey with exit 2 and says so', async () => {
    const wrong = await call(['add', '1', '2', '--authkey', 'wrong']);
    expect(wrong).toMatchObject({ code: 2, stdout: '' });
    expect(wrong.stderr).toBe(
      `farcall: authentication with ${tcp} failed: server refused the authkey (check --authkey or FARCALL_AUTHKEY)\n`,
    );
    const none = await call(['add', '1', '2'], { FARCALL_AUTHKEY: undefined });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/failed: server requires an authkey and none was given/);
  });

  it('takes the authkey from FARCALL_AUTHKEY, and --authkey wins over it', async () => {
    // `call` always sets FARCALL_AUTHKEY; the results above show it is used.
    const flagWins = await call(['add', '1', '2', '--authkey', KEY], { FARCALL_AUTHKEY: 'wrong' });
    expect(flagWins).toMatchObject({ code: 0, stdout: '3\n' });
    const empty = await call(['add', '1', '2'], { FARCALL_AUTHKEY: '' });
    expect(empty).toMatchObject({
      code: 2,
      stderr: 'farcall: the authkey (--authkey or FARCALL_AUTHKEY) is empty\n',
    });
  });

  it('reports an unreachable address with exit 2', async () => {
    const port = await freePort();
    const result = await run(['call', `tcp://127.0.0.1:${port}`, 'add', '1', '2']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      new RegExp(`^farcall: cannot connect to tcp://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`),
    );
  });

  it('calls over a unix: address', async () => {
    const result = await run(['call', unix, 'math.mul', '6', '7'], {
      env: { FARCALL_AUTHKEY: KEY },
    });
    expect(result).toMatchObject({ code: 0, stdout: '42\n' });
  });

  it('exits as soon as it has the answer, even if the server leaves the socket half-open', async () => {
    // A proxy that never closes its side after the client's FIN: without an explicit exit, the
    // client's socket (and so the process) would live on until its 2 s forced close. Timed from
    // the answer's arrival, so a slow process start on a busy machine does not count.
    const port = Number(tcp.split(':').pop());
    const proxy = net.createServer({ allowHalfOpen: true }, (client) => {
      const upstream = net.connect(port, '127.0.0.1');
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => client.write(chunk));
      client.on('error', () => {});
      upstream.on('error', () => {});
      client.on('close', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const url = `tcp://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
      const result = await run(['call', url, 'add', '1', '2'], { env: { FARCALL_AUTHKEY: KEY } });
      expect(result).toMatchObject({ code: 0, stdout: '3\n' });
      expect(result.lingerMs).toBeLessThan(1000);
    } finally {
      proxy.close();
    }
  });
});

describe('farcall ls', () => {
  it('lists the methods, sorted, with namespaces', async () => {
    const result = await run(['ls', unix, '--authkey', KEY]);
    expect(result).toMatchObject({
      code: 0,
      stdout: 'add\necho\ngreet\nmath.mul\nodd\nscale\nslow\nsub\n',
      stderr: '',
    });
  });

  it('refuses a wrong authkey with exit 2', async () => {
    const result = await run(['ls', tcp, '--authkey', 'wrong']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^farcall: authentication with .* failed/);
  });
});

/** A port nobody listens on: bound by us, then released. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
