// Serves ./api.ts. Run: npx tsx examples/typescript/server.ts [URL]   (default tcp://127.0.0.1:7000)
import { serve } from 'farcall';
import { api } from './api.js';

const server = await serve(api, { listen: process.argv[2] ?? 'tcp://127.0.0.1:7000' });
console.log(`listening on ${server.urls[0]}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await server.close();
    process.exit(0);
  });
}
