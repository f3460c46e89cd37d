#!/usr/bin/env node
/**
 * The `farcall` command: `serve`, `call` and `ls`, a thin shell over the public API.
 *
 * Exit codes (docs/cli.md): 0 success; 1 the remote function threw (`call`), or `serve` was
 * forced down by a second signal; 2 usage, load, bind, connection, authentication, protocol or
 * timeout failure. The process always ends with `process.exit`, so a peer that keeps a socket
 * half-open cannot keep it alive.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { RemoteError } from '../index.js';
import { addCallCommand } from './call.js';
import { addLsCommand } from './ls.js';
import { addServeCommand } from './serve.js';

const USAGE_EXIT = 2;

function version(): string {
  // dist/cli/main.js and src/cli/main.ts both sit two levels below package.json.
  const pkg: { version?: unknown } = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  );
  return String(pkg.version);
}

function buildProgram(): Command {
  const program = new Command('farcall')
    .description('Serve, call and list farcall RPC functions from the command line.')
    .version(version(), '-V, --version', 'print the farcall version')
    .helpOption('-h, --help', 'show this help')
    .helpCommand(false)
    // Set before the commands are added: `.command()` copies these settings to each of them.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ farcall serve ./api.ts --listen tcp://127.0.0.1:8000
  $ farcall call tcp://127.0.0.1:8000 add 2 3
  $ farcall ls tcp://127.0.0.1:8000

FARCALL_AUTHKEY stands for --authkey when the flag is not given.
Run 'farcall COMMAND --help' for the options of each command.`,
    );
  addServeCommand(program);
  addCallCommand(program);
  addLsCommand(program);
  return program;
}

/** Prints why a command failed and returns its exit code. */
function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed the message or the help already; 0 is --help and --version.
    return error.exitCode === 0 ? 0 : USAGE_EXIT;
  }
  if (error instanceof RemoteError) {
    process.stderr.write(`${error.name}: ${error.message}\n`);
    if (error.remoteStack) process.stderr.write(`remote stack:\n${error.remoteStack}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${message.startsWith('farcall:') ? message : `farcall: ${message}`}\n`);
  return USAGE_EXIT;
}

/** Exits with `code` once stdout and stderr have taken everything written to them. */
async function exit(code: number): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map((stream) => new Promise((done) => stream.write('', done))),
  );
  process.exit(code);
}

try {
  await buildProgram().parseAsync(process.argv);
  await exit(0);
} catch (error) {
  await exit(report(error));
}
