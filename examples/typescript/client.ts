// Calls the server of ./server.ts, typed from the api's type alone.
// Run: npx tsx examples/typescript/client.ts [URL]   (default tcp://127.0.0.1:7000)
import { close, connect, RemoteError } from 'farcall';
import type { Api } from './api.js';

const remote = await connect<Api>(process.argv[2] ?? 'tcp://127.0.0.1:7000');
try {
  const sum: number = await remote.add(2, 3);
  console.log(`add(2, 3) = ${sum}`);
  const user = await remote.users.get(1);
  console.log(`users.get(1) = ${user.name}`);
  await remote.users.get(7).catch((error: unknown) => {
    if (!(error instanceof RemoteError)) throw error;
    // The server's NotFoundError, by name, with its own fields.
    const status = 'status' in error ? error.status : undefined;
    console.log(`users.get(7) failed: ${error.name} (status ${status}): ${error.message}`);
  });
} finally {
  await close(remote);
}
