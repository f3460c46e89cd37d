import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPython, pythonCommand } from '../helpers/python.js';
import { type PythonPeer, startPython } from '../python/support.js';
import { assertBuilt, run } from './helpers.js';

/** `--protocol python` against a recipe-style Python server, as a Python shop would use it. */
describeWithPython('farcall call | ls --protocol python', () => {
  const key = 'peekaboo';
  let peer: PythonPeer;
  let url: string;
  beforeAll(async () => {
    assertBuilt();
    peer = startPython(pythonCommand(), 'peers/rpc_server.py', {
      authkey: Buffer.from(key).toString('hex'),
      unix: null,
    });
    const { addresses } = await peer.next<{ addresses: Record<string, number> }>();
    url = `tcp://127.0.0.1:${addresses.pickle}`;
  });
  afterAll(() => peer?.kill());

  it('calls a Python function and prints its result', async () => {
    const result = await run([
      'call',
      url,
      'add',
      '2',
      '3',
      '--protocol',
      'python',
      '--authkey',
      key,
    ]);
    expect(result).toMatchObject({ code: 0, stdout: '5\n' });
  });

  it('prints a Python exception by its class name and exits 1', async () => {
    const result = await run([
      'call',
      url,
      'fail_value',
      'bad',
      '--protocol',
      'python',
      '--authkey',
      key,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ValueError: bad$/m);
  });

  it('says why a recipe server cannot list its methods', async () => {
    const result = await run(['ls', url, '--protocol', 'python', '--authkey', key]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has no introspection');
  });
});
