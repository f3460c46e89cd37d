/** `farcall call URL METHOD [ARG …]`: one call, its result printed as JSON. */
import type { Command } from 'commander';
import { callWithKwargs, close, invoke } from '../index.js';
import { formatResult, parseArg, parseKwargs } from './args.js';
import {
  addClientOptions,
  type ClientFlags,
  callBefore,
  openRemote,
  startDeadline,
} from './remote.js';

/** Registers `call`. Prints the result as JSON; a remote error propagates as `RemoteError`. */
export function addCallCommand(program: Command): void {
  const command = program
    .command('call')
    .description('call METHOD on the server at URL and print its result as JSON')
    .argument('<url>', 'server address: tcp://HOST:PORT, tls://HOST:PORT or unix:/PATH')
    .argument('<method>', 'method name; namespaces with dots (math.mul)')
    .argument(
      '[args...]',
      'arguments, each parsed as JSON where it parses (a number only in its canonical form), else taken as a string',
    )
    .option('--kwargs <json>', 'keyword arguments as a JSON object (for acceptsKwargs functions)');
  addClientOptions(command).addHelpText(
    'after',
    `
Examples:
  $ farcall call tcp://127.0.0.1:8000 add 2 3              # add(2, 3), prints 5
  $ farcall call tcp://127.0.0.1:8000 greet bob            # greet("bob")
  $ farcall call tcp://127.0.0.1:8000 greet '"42"'         # greet("42"), not greet(42)
  $ farcall call tcp://127.0.0.1:8000 greet 007            # greet("007"): 007 is no number's form
  $ farcall call unix:/tmp/api.sock math.mul 4 5 --timeout 2000
  $ farcall call tcp://127.0.0.1:8000 scale 2 --kwargs '{"factor": 3}'
  $ farcall call http://127.0.0.1:8080/rpc add 2 3 --protocol jsonrpc
  $ farcall call http://127.0.0.1:8000/RPC2 add 2 3 --protocol xmlrpc

A stream result prints one line of JSON per item, as they come.

Exit codes: 0 result printed, 1 the remote function threw (its name and message on stderr),
2 usage, connection, authentication or timeout failure.`,
  );
  command.action(async (url: string, method: string, rawArgs: string[], flags: CallFlags) => {
    const args = rawArgs.map(parseArg);
    const kwargs = flags.kwargs === undefined ? undefined : parseKwargs(flags.kwargs);
    const deadline = startDeadline(flags.timeout);
    const remote = await openRemote(url, flags, deadline);
    try {
      const result = await callBefore(deadline, `from ${url} to '${method}'`, (timeout) =>
        kwargs === undefined
          ? invoke(remote, method, args, { timeout })
          : callWithKwargs(remote, method, args, kwargs, { timeout }),
      );
      if (isAsyncIterable(result)) {
        // A stream: one line of JSON per item, as it comes (a failure mid-way is a remote error).
        for await (const item of result) process.stdout.write(`${formatResult(item, true)}\n`);
      } else {
        process.stdout.write(`${formatResult(result)}\n`);
      }
    } finally {
      await close(remote);
    }
  });
}

interface CallFlags extends ClientFlags {
  kwargs?: string;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}
