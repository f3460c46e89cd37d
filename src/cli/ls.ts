/** `farcall ls URL`: the methods a server answers for, one per line. */
import type { Command } from 'commander';
import {
  close,
  DESCRIBE_METHODS,
  invoke,
  listMethods,
  ProtocolError,
  type ProtocolName,
  RemoteError,
  withOptions,
} from '../index.js';
import { formatResult } from './args.js';
import { describeLine } from './describe-text.js';
import {
  addClientOptions,
  type ClientFlags,
  callBefore,
  openRemote,
  startDeadline,
} from './remote.js';

/**
 * Registers `ls`. Prints the sorted method names (`math.mul`), one per line; with `--long`, a
 * signature per line from `$farcall.describe` (typed from the schemas of functions defined
 * with `method`); with `--json`, that description as JSON.
 */
export function addLsCommand(program: Command): void {
  const command = program
    .command('ls')
    .description('list the methods the server at URL answers for, one per line, sorted')
    .argument('<url>', 'server address: tcp://HOST:PORT, tls://HOST:PORT or unix:/PATH')
    .option('-l, --long', 'one signature per line: parameters, types from schemas, errors')
    .option('--json', "print the server's description of its methods as JSON (JSON Schema types)");
  addClientOptions(command).addHelpText(
    'after',
    `
Examples:
  $ farcall ls tcp://127.0.0.1:8000
  $ farcall ls tcp://127.0.0.1:8000 --long      # add(x: number, y: number): number
  $ FARCALL_AUTHKEY=secret farcall ls unix:/tmp/api.sock
  $ farcall ls http://127.0.0.1:8080/rpc --protocol jsonrpc    # through rpc.discover
  $ farcall ls http://127.0.0.1:8000/RPC2 --protocol xmlrpc    # through system.listMethods

Exit codes: 0 listed, 1 the server refused the listing, 2 usage, connection, authentication
or timeout failure.`,
  );
  command.action(async (url: string, flags: LsFlags) => {
    const deadline = startDeadline(flags.timeout);
    const remote = await openRemote(url, flags, deadline);
    const described = flags.long === true || flags.json === true;
    try {
      const answer = await callBefore(deadline, `from ${url} to the method list`, (timeout) =>
        described
          ? invoke(remote, DESCRIBE_METHODS, [], { timeout })
          : methodList(withOptions(remote, { timeout }), flags.protocol, url),
      ).catch((error: unknown) => {
        // A recipe-style Python server looks the built-in name up in its dict of functions.
        if (
          error instanceof RemoteError &&
          error.name === 'KeyError' &&
          flags.protocol === 'python'
        ) {
          throw new RemoteError({
            name: 'KeyError',
            message: `${error.message} (this server cannot list its methods: the recipe's Python server has no introspection)`,
          });
        }
        throw error;
      });
      if (flags.json) process.stdout.write(`${formatResult(answer)}\n`);
      else if (!described) process.stdout.write((answer as string[]).map((m) => `${m}\n`).join(''));
      else if (!Array.isArray(answer)) {
        throw new RemoteError({
          message: 'the server answered its description with something else',
        });
      } else process.stdout.write(answer.map((info) => `${describeLine(info)}\n`).join(''));
    } finally {
      await close(remote);
    }
  });
}

/**
 * The method list in the protocol's own way, so that servers farcall did not write answer too:
 * JSON-RPC's `rpc.discover` (an OpenRPC document), XML-RPC's `system.listMethods`, else
 * farcall's built-in `$farcall.methods`.
 */
async function methodList(
  remote: unknown,
  protocol: ProtocolName | undefined,
  url: string,
): Promise<string[]> {
  if (protocol === 'xmlrpc') return names(await invoke(remote, 'system.listMethods'), url);
  if (protocol !== 'jsonrpc') return listMethods(remote);
  const methods = ((await invoke(remote, 'rpc.discover')) as { methods?: unknown } | null)?.methods;
  if (!Array.isArray(methods)) {
    throw new ProtocolError(`${url} answered rpc.discover with no OpenRPC method list`);
  }
  return names(
    methods.map((method: unknown) => (method as { name?: unknown } | null)?.name),
    url,
  ).sort();
}

function names(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string')) {
    throw new ProtocolError(`${where} answered the method list with something else`);
  }
  return value;
}

interface LsFlags extends ClientFlags {
  long?: boolean;
  json?: boolean;
}
