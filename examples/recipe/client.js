// The recipe's client, done in farcall: `proxy.add(2, 3)` becomes a remote call, and a remote
// exception comes back as a RemoteError with the remote class name.
// Run: node examples/recipe/client.js [URL]   (default tcp://127.0.0.1:17000)
import { close, connect, RemoteError } from 'farcall';

export async function runClient(url) {
  const remote = await connect(url, { authkey: 'peekaboo', timeout: 5000 });
  try {
    console.log('> remote.add(2, 3)');
    console.log(await remote.add(2, 3));
    console.log('> remote.sub(2, 3)');
    console.log(await remote.sub(2, 3));
    console.log('> remote.sub([1, 2], 4)');
    try {
      await remote.sub([1, 2], 4);
    } catch (error) {
      if (!(error instanceof RemoteError)) throw error;
      // name is the remote class, message its message, code says what kind of failure it was.
      console.log(`${error.name}: ${error.message}   (RemoteError, code ${error.code})`);
    }
  } finally {
    await close(remote);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runClient(process.argv[2] ?? 'tcp://127.0.0.1:17000');
}
