/** `farcall ls URL`: the methods a server answers for, one per line. */
import type { Command } from 'commander';
import { close, listMethods, RemoteError, withOptions } from '../index.js';
import {
  addClientOptions,
  type ClientFlags,
  callBefore,
  openRemote,
  startDeadline,
} from './remote.js';

/** Registers `ls`. Prints the sorted method names (`math.mul`), one per line. */
export function addLsCommand(program: Command): void {
  const command = program
    .command('ls')
    .description('list the methods the server at URL answers for, one per line, sorted')
    .argument('<url>', 'server address: tcp://HOST:PORT, tls://HOST:PORT or unix:/PATH');
  addClientOptions(command).addHelpText(
    'after',
    `
Examples:
  $ farcall ls tcp://127.0.0.1:8000
  $ FARCALL_AUTHKEY=secret farcall ls unix:/tmp/api.sock

Exit codes: 0 listed, 1 the server refused the listing, 2 usage, connection, authentication
or timeout failure.`,
  );
  command.action(async (url: string, flags: ClientFlags) => {
    const deadline = startDeadline(flags.timeout);
    const remote = await openRemote(url, flags, deadline);
    try {
      const methods = await callBefore(deadline, `from ${url} to the method list`, (timeout) =>
        listMethods(withOptions(remote, { timeout })),
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
      process.stdout.write(methods.map((m) => `${m}\n`).join(''));
    } finally {
      await close(remote);
    }
  });
}
