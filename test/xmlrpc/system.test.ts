/**
 * The `system` methods of a farcall XML-RPC server, through a farcall client: signatures from
 * schemas, help, and multicall's faults in place for entries it cannot run.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { close, connect, invoke, method, type Server, serve } from '../../src/index.js';

let server: Server;
let remote: unknown;
beforeAll(async () => {
  server = await serve(
    {
      scale: method(
        { input: z.tuple([z.number().int(), z.number()]), output: z.string() },
        (n, factor) => String(n * factor),
      ),
      plain: (x: unknown) => x,
    },
    { listen: 'http://127.0.0.1:0/RPC2', protocol: 'xmlrpc', logger: false },
  );
  remote = await connect(server.url, { protocol: 'xmlrpc', logger: false });
});
afterAll(async () => {
  await close(remote);
  await server.close();
});

it("signs a method defined with schemas in XML-RPC's type names, and no other", async () => {
  expect(await invoke(remote, 'system.methodSignature', ['scale'])).toStrictEqual([
    ['string', 'int', 'double'],
  ]);
  expect(await invoke(remote, 'system.methodSignature', ['plain'])).toBe(
    'signatures not supported',
  );
  expect(await invoke(remote, 'system.methodHelp', ['scale'])).toBe('scale(n, factor)');
});

it('answers a multicall in order, with a fault in the place of each entry it cannot run', async () => {
  const answers = await invoke(remote, 'system.multicall', [
    [
      { methodName: 'plain', params: ['a'] },
      { methodName: 'system.multicall', params: [[]] },
      { nonsense: true },
      { methodName: 'nosuch', params: [] },
      { methodName: 'scale', params: [2, 1.5] },
    ],
  ]);
  expect(answers).toStrictEqual([
    ['a'],
    {
      faultCode: -32602,
      faultString: 'TypeError: system.multicall inside system.multicall is not allowed',
    },
    {
      faultCode: -32602,
      faultString: 'TypeError: a system.multicall entry is a struct of methodName and params',
    },
    { faultCode: -32601, faultString: "MethodNotFoundError: no method named 'nosuch'" },
    ['3'],
  ]);
});
