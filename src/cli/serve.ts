/** `farcall serve MODULE --listen URL …`: serves a module's exported functions until a signal. */
import { type Command, Option } from 'commander';
import { type ProtocolName, type ServeOptions, serve, UsageError } from '../index.js';
import { parseCount, parseMs } from './args.js';
import { loadApi } from './load-module.js';
import { authkeyOption, checkAuthkey, protocolOption, readPem } from './remote.js';

interface ServeFlags {
  listen: string[];
  authkey?: string;
  protocol?: ProtocolName;
  tlsKey?: string;
  tlsCert?: string;
  tlsCa?: string;
  tlsRequestCert?: boolean;
  exposeStack?: boolean;
  ui?: boolean;
  drain: string;
  workers?: string;
}

/**
 * Registers `serve`. Prints `listening on URL` on stdout for each bound address, once all are
 * bound. On the first SIGINT or SIGTERM it stops accepting, lets calls in flight finish (up to
 * `--drain` ms), and resolves, so the process exits 0; a second signal exits 1 at once.
 */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the exported functions of a .ts or .js module until SIGINT or SIGTERM')
    .argument('<module>', 'module whose named exports (and default-exported object) are served')
    .addOption(
      new Option(
        '--listen <url>',
        'address to bind, repeatable: tcp://HOST:PORT, tls://HOST:PORT, unix:/PATH, ws://HOST:PORT/PATH, http://HOST:PORT/PATH',
      )
        .argParser((url: string, previous: string[] | undefined) => [...(previous ?? []), url])
        .makeOptionMandatory(),
    )
    .addOption(authkeyOption('shared secret every client must prove it knows'))
    .addOption(protocolOption())
    .option('--tls-key <file>', "for tls://: the server's private key (PEM)")
    .option('--tls-cert <file>', "for tls://: the server's certificate (PEM)")
    .option('--tls-ca <file>', 'for tls://: CA (PEM) that client certificates must be signed by')
    .option('--tls-request-cert', 'for tls://: require client certificates (mutual TLS)')
    .option(
      '--expose-stack',
      "send thrown errors' stacks to callers (they can leak paths and code)",
    )
    .option('--ui', 'serve the playground, a page to try the methods, at each http:// address')
    .option('--drain <ms>', 'on shutdown, how long calls in flight may take to finish', '5000')
    .option('--workers <n>', 'run the module in a pool of N worker threads, not in the main thread')
    .addHelpText(
      'after',
      `
Examples:
  $ farcall serve ./api.ts --listen tcp://127.0.0.1:8000
  $ FARCALL_AUTHKEY=s3cret farcall serve ./api.js --listen tcp://0.0.0.0:8000 --listen unix:/tmp/api.sock
  $ farcall serve ./api.ts --listen tls://0.0.0.0:8443 --tls-key key.pem --tls-cert cert.pem
  $ farcall serve ./heavy.js --listen tcp://127.0.0.1:8000 --workers 2
  $ farcall serve ./api.ts --listen http://127.0.0.1:8080/rpc --ui     # the playground at that URL

Port 0 picks a free port; the "listening on" lines show the one bound.
Exit codes: 0 stopped by a signal, 1 forced by a second signal, 2 usage, load or bind failure.`,
    )
    .action(async (modulePath: string, flags: ServeFlags) => {
      const drainMs = parseMs(flags.drain, '--drain');
      const options: ServeOptions = {
        listen: flags.listen,
        authkey: checkAuthkey(flags.authkey),
        protocol: flags.protocol,
        exposeStack: flags.exposeStack,
        tls: tlsOptions(flags),
        ui: flags.ui === true,
      };
      const workers =
        flags.workers === undefined ? undefined : parseCount(flags.workers, '--workers');
      // With --workers the module is loaded in the pool's threads only.
      const api = workers === undefined ? await loadApi(modulePath) : {};
      const server = await serve(
        api,
        workers === undefined ? options : { ...options, module: modulePath, workers },
      );
      for (const url of server.urls) process.stdout.write(`listening on ${url}\n`);
      if (flags.ui) {
        const pages = server.urls.filter((url) => /^https?:/.test(url));
        if (pages.length === 0) process.stderr.write('farcall: --ui needs an http:// address\n');
        for (const url of pages) process.stdout.write(`playground on ${url}\n`);
      }
      const signal = await nextSignal();
      process.stderr.write(`farcall: ${signal}: closing, letting calls in flight finish\n`);
      const force = () => {
        process.stderr.write('farcall: second signal: exiting without waiting\n');
        process.exit(1);
      };
      process.once('SIGINT', force).once('SIGTERM', force);
      await server.close(drainMs);
    });
}

function tlsOptions(flags: ServeFlags): ServeOptions['tls'] {
  const secure = flags.listen.find((url) => /^(tls|https|wss):/.test(url));
  if (!secure) return undefined;
  if (!flags.tlsKey || !flags.tlsCert) {
    const scheme = secure.slice(0, secure.indexOf(':'));
    throw new UsageError(`a ${scheme}:// address needs --tls-key and --tls-cert`);
  }
  return {
    key: readPem(flags.tlsKey, '--tls-key'),
    cert: readPem(flags.tlsCert, '--tls-cert'),
    ca: flags.tlsCa ? readPem(flags.tlsCa, '--tls-ca') : undefined,
    requestCert: flags.tlsRequestCert === true,
    rejectUnauthorized: flags.tlsRequestCert === true,
  };
}

/** Resolves with the name of the first SIGINT or SIGTERM, then stops listening for it. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on).off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on).on('SIGTERM', on);
  });
}
