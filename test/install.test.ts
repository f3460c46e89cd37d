/**
 * The README's tarball route, for real: `npm pack` this checkout, install the tarball into a
 * fresh project of its own, and use it there as a user would, by package name and by its
 * `farcall` bin. The project installs with `npm ci --offline` from a lockfile whose runtime
 * dependencies are tarballs packed from this checkout's node_modules, into an empty npm cache:
 * no network and no shared cache is involved, so the test cannot be flaky on either.
 *
 * It also proves tsx (an optional peer dependency) is not installed for a library user, and
 * that the CLI says what to do when such a user serves a TypeScript module.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TSX_MISSING } from '../src/cli/load-module.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface LockEntry {
  version?: string;
  dev?: boolean;
  [field: string]: unknown;
}

interface Packed {
  filename: string;
  files: { path: string }[];
}

let dir: string;
let project: string;
let packed: Packed;

/** Runs npm with a cache of this test's own, offline; returns its stdout. */
function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      npm_config_cache: join(dir, 'cache'),
      npm_config_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a command in the project; resolves with its exit code and output. Killed after 15 s. */
function runIn(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: project });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist/cli/main.js')), 'run npm run build first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'farcall-install-'));
  project = join(dir, 'project');
  const deps = join(dir, 'deps');
  mkdirSync(project);
  mkdirSync(deps);
  // dist/ is built already (`pretest`): packing without scripts keeps `prepare` from rebuilding.
  [packed] = JSON.parse(
    npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir, ROOT], ROOT),
  ) as Packed[];

  // farcall's runtime closure is every package of its lockfile not marked dev. Those this
  // platform installed are packed; the optional ones it skipped (another os or cpu) stay in
  // the lockfile as they are, and npm skips them again without fetching anything.
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const closure = Object.entries(lock.packages).filter(
    ([path, entry]) => path !== '' && entry.dev !== true,
  );
  const runtime = closure.filter(([path]) => existsSync(join(ROOT, path)));
  const skipped = closure.filter(
    ([path, entry]) => !existsSync(join(ROOT, path)) && entry.optional,
  );
  const tarballs = JSON.parse(
    npm(
      [
        'pack',
        '--json',
        '--ignore-scripts',
        '--pack-destination',
        deps,
        ...runtime.map(([p]) => join(ROOT, p)),
      ],
      ROOT,
    ),
  ) as Packed[];
  const packages: Record<string, unknown> = {
    '': { name: 'user-project', dependencies: { farcall: `file:../${packed.filename}` } },
  };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  packages['node_modules/farcall'] = {
    version: pkg.version,
    resolved: `file:../${packed.filename}`,
    dependencies: pkg.dependencies,
    peerDependencies: pkg.peerDependencies,
    peerDependenciesMeta: pkg.peerDependenciesMeta,
    bin: pkg.bin,
  };
  for (const [path, entry] of skipped) packages[path] = entry;
  runtime.forEach(([path, entry], i) => {
    const { integrity: _integrity, resolved: _resolved, ...rest } = entry;
    packages[path] = { ...rest, resolved: `file:../deps/${tarballs[i]!.filename}` };
  });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'user-project',
      private: true,
      type: 'module',
      dependencies: { farcall: `file:../${packed.filename}` },
    }),
  );
  writeFileSync(
    join(project, 'package-lock.json'),
    JSON.stringify({ name: 'user-project', lockfileVersion: 3, requires: true, packages }),
  );
  npm(['ci', '--ignore-scripts'], project);

  writeFileSync(join(project, 'api.js'), 'export const add = (x, y) => x + y;\n');
  writeFileSync(join(project, 'api.ts'), 'export const add = (x: number, y: number) => x + y;\n');
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarball, installed into a project of its own', () => {
  it('holds the built code, its types, the README and the LICENSE, and no tests', () => {
    const files = packed.files.map((f) => f.path);
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'README.md']) {
      expect(files).toContain(file);
    }
    expect(files).toContain('LICENSE');
    expect(files.filter((f) => f.startsWith('test/'))).toEqual([]);
  });

  it('installs neither tsx nor esbuild for a library user', () => {
    expect(existsSync(join(project, 'node_modules/farcall/dist/index.js'))).toBe(true);
    expect(existsSync(join(project, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/esbuild'))).toBe(false);
  });

  it('says that zmq+tcp:// needs the zeromq package, which it does not install', async () => {
    expect(existsSync(join(project, 'node_modules/zeromq'))).toBe(false);
    const script = `
      import { connect } from 'farcall';
      import { device } from 'farcall/zeromq';
      for (const attempt of [() => connect('zmq+tcp://127.0.0.1:5555'), () => device({ frontend: 'zmq+tcp://127.0.0.1:0', backend: 'zmq+tcp://127.0.0.1:0' })]) {
        await attempt().then(() => console.log('resolved'), (e) => console.log(e.name + ': ' + e.message));
      }
    `;
    const result = await runIn(process.execPath, ['--input-type=module', '-e', script]);
    const line =
      "UsageError: farcall: the zmq+tcp:// transport needs the optional 'zeromq' package (v6): install it with npm install zeromq\n";
    expect(result).toMatchObject({ code: 0, stdout: line + line });
  });

  it('is importable by name from plain node, and serves and calls end to end', async () => {
    const script = `
      import { serve, connect, close } from 'farcall';
      const server = await serve({ add: (x, y) => x + y }, { listen: 'tcp://127.0.0.1:0' });
      const remote = await connect(server.urls[0]);
      console.log(await remote.add(2, 3));
      await close(remote);
      await server.close();
    `;
    const result = await runIn(process.execPath, ['--input-type=module', '-e', script]);
    expect(result).toMatchObject({ code: 0, stdout: '5\n' });
  });

  it('runs the bin: serves a .js module, and calls it', async () => {
    const bin = join(project, 'node_modules/.bin/farcall');
    const server = spawn(bin, ['serve', 'api.js', '--listen', 'tcp://127.0.0.1:0'], {
      cwd: project,
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        let stderr = '';
        server.stderr.on('data', (chunk) => (stderr += chunk));
        server.stdout.on('data', (chunk) => {
          stdout += chunk;
          const match = /^listening on (\S+)$/m.exec(stdout);
          if (match) resolve(match[1]!);
        });
        server.on('close', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
      });
      expect(await runIn(bin, ['call', url, 'add', '2', '3'])).toMatchObject({
        code: 0,
        stdout: '5\n',
      });
    } finally {
      server.kill('SIGKILL');
    }
  });

  it('says that serving a TypeScript module needs tsx, and exits 2', async () => {
    const bin = join(project, 'node_modules/.bin/farcall');
    const result = await runIn(bin, ['serve', 'api.ts', '--listen', 'tcp://127.0.0.1:0']);
    expect(result).toEqual({ code: 2, stdout: '', stderr: `farcall: ${TSX_MISSING}\n` });
  });
});
