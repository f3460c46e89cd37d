/**
 * `--protocol jsonrpc` and `--protocol xmlrpc` for `serve`, `call` and `ls`: one server process
 * per protocol, called by the CLI the way a user would, `ls` through `rpc.discover` and
 * `system.listMethods`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, killServers, run, type Served, startServe } from './helpers.js';

const METHODS = ['add', 'echo', 'greet', 'math.mul', 'odd', 'scale', 'slow', 'sub'];

let jsonrpc: Served;
let xmlrpc: Served;

beforeAll(async () => {
  assertBuilt();
  [jsonrpc, xmlrpc] = await Promise.all([
    startServe([
      fixture('api.ts'),
      '--protocol',
      'jsonrpc',
      '--listen',
      'http://127.0.0.1:0/rpc',
      '--listen',
      'ws://127.0.0.1:0/rpc',
    ]),
    startServe([fixture('api.ts'), '--protocol', 'xmlrpc', '--listen', 'http://127.0.0.1:0/RPC2']),
  ]);
});

afterAll(async () => {
  try {
    expect(await jsonrpc?.stop()).toBe(0);
    expect(await xmlrpc?.stop()).toBe(0);
  } finally {
    killServers();
  }
});

describe('--protocol jsonrpc', () => {
  it('calls over HTTP and over WebSocket', async () => {
    for (const url of jsonrpc.urls) {
      const result = await run(['call', url, 'math.mul', '4', '5', '--protocol', 'jsonrpc']);
      expect(result).toMatchObject({ code: 0, stdout: '20\n', stderr: '' });
    }
  });

  it('prints a remote error by its class name and exits 1', async () => {
    const result = await run([
      'call',
      jsonrpc.urls[0]!,
      'sub',
      '[1]',
      '2',
      '--protocol',
      'jsonrpc',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^TypeError: unsupported operand$/m);
  });

  it('lists the methods through rpc.discover', async () => {
    for (const url of jsonrpc.urls) {
      const result = await run(['ls', url, '--protocol', 'jsonrpc']);
      expect(result).toMatchObject({ code: 0, stdout: METHODS.map((m) => `${m}\n`).join('') });
    }
  });

  it('refuses --kwargs, which JSON-RPC cannot carry, and exits 2', async () => {
    const result = await run([
      'call',
      jsonrpc.urls[0]!,
      'scale',
      '2',
      '--kwargs',
      '{"factor": 3}',
      '--protocol',
      'jsonrpc',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('JSON-RPC has no keyword arguments');
  });
});

describe('--protocol xmlrpc', () => {
  it('calls and prints the result as JSON', async () => {
    const result = await run(['call', xmlrpc.urls[0]!, 'greet', 'ada', '--protocol', 'xmlrpc']);
    expect(result).toMatchObject({ code: 0, stdout: '"hello, ada"\n', stderr: '' });
  });

  it('prints a fault by its class name and exits 1', async () => {
    const result = await run(['call', xmlrpc.urls[0]!, 'sub', '[1]', '2', '--protocol', 'xmlrpc']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^TypeError: unsupported operand$/m);
  });

  it('lists the methods through system.listMethods, the system methods with them', async () => {
    const result = await run(['ls', xmlrpc.urls[0]!, '--protocol', 'xmlrpc']);
    const system = ['listMethods', 'methodHelp', 'methodSignature', 'multicall'];
    expect(result).toMatchObject({
      code: 0,
      stdout: [...METHODS, ...system.map((m) => `system.${m}`)]
        .sort()
        .map((m) => `${m}\n`)
        .join(''),
    });
  });

  it('refuses to serve over a WebSocket and exits 2', async () => {
    const result = await run([
      'serve',
      fixture('api.ts'),
      '--protocol',
      'xmlrpc',
      '--listen',
      'ws://127.0.0.1:0/rpc',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('XML-RPC runs over HTTP only');
  });
});
