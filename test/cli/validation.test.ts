/**
 * `farcall call` and `farcall ls` against a module whose functions have schemas (`method`): a
 * missing or wrong argument is a clear error from the server, never `NaN`; `ls --long` and
 * `ls --json` show the schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, fixture, killServers, run, type Served, startServe } from './helpers.js';

let server: Served;
let url: string;

beforeAll(async () => {
  assertBuilt();
  server = await startServe([fixture('validated.ts'), '--listen', 'tcp://127.0.0.1:0']);
  url = server.urls[0]!;
});

afterAll(async () => {
  try {
    expect(await server?.stop()).toBe(0);
  } finally {
    killServers();
  }
});

describe('farcall call with schemas', () => {
  it('calls with good arguments', async () => {
    expect(await run(['call', url, 'add', '2', '3'])).toMatchObject({ code: 0, stdout: '5\n' });
  });

  it('refuses a missing argument with a clear error and exit 1, not NaN', async () => {
    const result = await run(['call', url, 'add', '2']);
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'ValidationError: invalid arguments for add(x, y), got 1 argument: Too small: expected array to have >=2 items\n',
    });
  });

  it('names the argument of the wrong type', async () => {
    const result = await run(['call', url, 'add', '2', 'three']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'ValidationError: invalid arguments for add(x, y), got 2 arguments: y: Invalid input: expected number, received string\n',
    );
  });

  it('prints a declared error by its name', async () => {
    const result = await run(['call', url, 'users.get', '7']);
    expect(result).toMatchObject({ code: 1, stderr: 'NotFound: no user 7\n' });
  });
});

describe('farcall ls with schemas', () => {
  it('still lists names alone by default', async () => {
    expect(await run(['ls', url])).toMatchObject({ code: 0, stdout: 'add\nplain\nusers.get\n' });
  });

  it('--long prints a signature per method, typed from its schemas', async () => {
    const result = await run(['ls', url, '--long']);
    expect(result).toMatchObject({
      code: 0,
      stderr: '',
      stdout: [
        'add(x: number, y: number): number',
        'plain(a, b)',
        'users.get(id: integer): { id: number, name: string }  throws NotFound',
        '',
      ].join('\n'),
    });
  });

  it('--json prints the description, with JSON Schema', async () => {
    const result = await run(['ls', url, '--json']);
    expect(result.code).toBe(0);
    const described = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(described.map((m) => m.name)).toEqual(['add', 'plain', 'users.get']);
    expect(described[0]).toMatchObject({
      params: ['x', 'y'],
      validator: 'zod',
      input: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }] },
      output: { type: 'number' },
    });
    expect(described[2]).toMatchObject({
      errors: [{ name: 'NotFound', data: { type: 'object', required: ['id'] } }],
    });
  });
});
