/**
 * `rpc.discover` over JSON-RPC: an OpenRPC document whose parameters and result carry the JSON
 * Schemas of a function defined with `method({ input, output })`, and accept anything for a
 * plain function.
 */
import { expect, it } from 'vitest';
import { z } from 'zod';
import { close, connect, invoke, method, serve } from '../../src/index.js';

it('describes each method with its parameter names and, where it has them, its schemas', async () => {
  const server = await serve(
    {
      add: method(
        { input: z.tuple([z.number(), z.number().optional()]), output: z.number() },
        (x, y) => x + (y ?? 0),
      ),
      plain: (text: string) => text,
    },
    { listen: 'http://127.0.0.1:0/rpc', protocol: 'jsonrpc', logger: false },
  );
  const remote = await connect(server.url, { protocol: 'jsonrpc', logger: false });
  try {
    const document = (await invoke(remote, 'rpc.discover')) as Record<string, unknown>;
    expect(document).toMatchObject({ openrpc: '1.2.6', info: { title: 'farcall' } });
    expect(document.methods).toStrictEqual([
      {
        name: 'add',
        params: [
          { name: 'x', schema: { type: 'number' }, required: true },
          { name: 'y', schema: { type: 'number' }, required: false },
        ],
        result: { name: 'result', schema: expect.objectContaining({ type: 'number' }) },
        paramStructure: 'by-position',
      },
      {
        name: 'plain',
        params: [{ name: 'text', schema: {} }],
        result: { name: 'result', schema: {} },
        paramStructure: 'by-position',
      },
    ]);
  } finally {
    await close(remote);
    await server.close();
  }
});
