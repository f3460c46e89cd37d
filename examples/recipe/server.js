// The recipe's server, done in farcall: `add` and `sub` on a real socket, behind an authkey.
// Run: node examples/recipe/server.js [URL]   (default tcp://127.0.0.1:17000)
import { serve } from 'farcall';

/** Like Python's `x - y`: numbers only, and a TypeError naming the operand types otherwise. */
function sub(x, y) {
  if (typeof x !== 'number' || typeof y !== 'number') {
    throw new TypeError(`unsupported operand type(s) for -: '${typeName(x)}' and '${typeName(y)}'`);
  }
  return x - y;
}

function typeName(value) {
  return Array.isArray(value) ? 'array' : typeof value;
}

export const api = {
  add: (x, y) => x + y,
  sub,
};

const url = process.argv[2] ?? 'tcp://127.0.0.1:17000';
const server = await serve(api, { listen: url, authkey: 'peekaboo' });
for (const bound of server.urls) console.log(`listening on ${bound}`);

// Close gracefully on Ctrl-C or a polite kill: calls in flight finish first.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await server.close();
    process.exit(0);
  });
}
