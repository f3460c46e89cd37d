// A farcall server that the recipe's unmodified Python client can call: protocol 'python'
// speaks multiprocessing.connection's framing and authkey handshake, and pickle.
// Run: node examples/python/server.js [URL]   (default tcp://127.0.0.1:17000)
import { acceptsKwargs, serve } from 'farcall';

export const api = {
  add: (x, y) => x + y,
  sub(x, y) {
    if (typeof x !== 'number' || typeof y !== 'number') {
      // Arrives in Python as a real TypeError, so the recipe's `raise result` raises it.
      throw new TypeError(`unsupported operand type(s) for -: '${kind(x)}' and '${kind(y)}'`);
    }
    return x - y;
  },
  // Python's greet('bob', punctuation='?') arrives as greet('bob', { punctuation: '?' }).
  greet: acceptsKwargs((name, options = {}) => `hello ${name}${options.punctuation ?? '!'}`),
};

function kind(value) {
  return Array.isArray(value) ? 'list' : typeof value === 'number' ? 'int' : typeof value;
}

const url = process.argv[2] ?? 'tcp://127.0.0.1:17000';
const server = await serve(api, { listen: url, authkey: 'peekaboo', protocol: 'python' });
for (const bound of server.urls) console.log(`listening on ${bound}`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await server.close();
    process.exit(0);
  });
}
