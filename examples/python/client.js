// A farcall client calling the recipe's Python server: protocol 'python', the recipe's
// double-pickled form by default. Python exceptions arrive as RemoteError named after the class.
// Run: node examples/python/client.js [URL]   (default tcp://127.0.0.1:17000)
import { close, connect } from 'farcall';

export async function callPython(url) {
  const remote = await connect(url, { authkey: 'peekaboo', protocol: 'python', timeout: 5000 });
  try {
    console.log('> remote.add(2, 3)');
    console.log(await remote.add(2, 3));
    console.log("> remote.add('far', 'call')");
    console.log(await remote.add('far', 'call'));
    console.log('> remote.sub([1, 2], 4)');
    await remote.sub([1, 2], 4).catch((error) => console.log(`${error.name}: ${error.message}`));
  } finally {
    await close(remote);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await callPython(process.argv[2] ?? 'tcp://127.0.0.1:17000');
}
