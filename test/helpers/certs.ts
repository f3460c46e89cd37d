/**
 * Test certificates made with the `openssl` command: a CA, a server certificate for 127.0.0.1 and
 * localhost signed by it, and a client certificate signed by it (for mTLS). EC P-256 keys, valid
 * for two days, written to a fresh temp directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  readonly dir: string;
  readonly caCert: string;
  readonly serverKey: string;
  readonly serverCert: string;
  readonly clientKey: string;
  readonly clientCert: string;
  /** Removes the temp directory. */
  cleanup(): void;
}

/**
 * Whether `openssl` can be run. When it cannot: on CI (`process.env.CI` set) this throws, since
 * a CI image without it is a broken image; elsewhere it prints why and returns false, so the
 * caller can skip.
 */
export function opensslAvailable(): boolean {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  const reason = `the openssl command is not available (${probe.error?.message ?? probe.stderr})`;
  if (process.env.CI) throw new Error(`${reason}; CI must have it to run the TLS tests`);
  console.warn(`skipping TLS tests: ${reason}`);
  return false;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function signed(dir: string, name: string, subject: string, extensions: string): void {
  openssl(dir, [
    'req',
    '-new',
    ...EC_KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-sha256',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  ]);
}

/** Creates the CA, server and client certificates. Throws if `openssl` fails. */
export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'farcall-certs-'));
  try {
    openssl(dir, [
      'req',
      '-x509',
      ...EC_KEY,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-sha256',
      '-subj',
      '/CN=farcall test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    signed(
      dir,
      'server',
      '/CN=localhost',
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
    );
    signed(
      dir,
      'client',
      '/CN=farcall test client',
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n',
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    dir,
    caCert: read('ca.crt'),
    serverKey: read('server.key'),
    serverCert: read('server.crt'),
    clientKey: read('client.key'),
    clientCert: read('client.crt'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
