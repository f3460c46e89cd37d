/**
 * The README's examples, as written there. The command-line block runs verbatim through `npx`
 * against examples/api.ts, with one change: the server binds port 0 (tests never take a fixed
 * port), and the other commands use the port it bound. The TypeScript snippet for a Python
 * server must be the one test/types/proxy.types.ts compiles.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const README_PORT = 'tcp://127.0.0.1:7000';

/** The first fenced block of `language` after the line that contains `marker`. */
function blockAfter(marker: string, language: string): string[] {
  const start = README.indexOf(marker);
  expect(start, `README has no '${marker}'`).toBeGreaterThanOrEqual(0);
  const open = README.indexOf(`\n\`\`\`${language}\n`, start);
  const close = README.indexOf('\n```\n', open + 1);
  expect(open).toBeGreaterThan(start);
  return README.slice(open + language.length + 5, close).split('\n');
}

/** Runs `npx ARGS…` in the repository, offline; resolves with its exit code and output. */
function npx(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npx', args, { cwd: ROOT, env: npxEnv() });
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

/**
 * A cache of this run's own: npx links the package into its cache, and an entry that an earlier
 * run left half-written (killed mid-way) would fail every later run that shares it.
 */
const npxCache = mkdtempSync(join(tmpdir(), 'farcall-npx-'));
afterAll(() => rmSync(npxCache, { recursive: true, force: true }));

function npxEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_cache: npxCache,
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
    // npx installs this checkout into its cache, which would run `prepare` (a whole build) into
    // dist/ while other test files import it; dist/ is built already (`pretest`).
    npm_config_ignore_scripts: 'true',
  };
  delete env.FARCALL_AUTHKEY;
  return env;
}

let server: ChildProcess | undefined;
afterAll(() => {
  // The serve command runs in a process group of its own (npx, then node): end that group.
  if (server?.pid !== undefined && server.exitCode === null) process.kill(-server.pid, 'SIGKILL');
});

describe("the README's command line", () => {
  it('runs as written against examples/api.ts, and prints what its comments say', async () => {
    const lines = blockAfter('## The command line', 'sh').filter((l) => l.startsWith('npx '));
    const [serveLine, ...calls] = lines;
    expect(serveLine).toMatch(/^npx farcall serve examples\/api\.ts .* &$/);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    // The commands have no quotes or escapes, so splitting on spaces is how a shell reads them.
    for (const line of lines) expect(line.split(' #')[0]).not.toMatch(/['"\\$`]/);

    const serveArgs = serveLine!
      .replace(/ &$/, '')
      .replace(README_PORT, 'tcp://127.0.0.1:0')
      .split(/\s+/)
      .slice(1);
    server = spawn('npx', serveArgs, { cwd: ROOT, env: npxEnv(), detached: true });
    const running = server;
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 45_000);
      running.stderr!.on('data', (chunk) => (stderr += chunk));
      running.stdout!.on('data', (chunk) => {
        stdout += chunk;
        const match = /^listening on (\S+)$/m.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      running.on('close', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });

    for (const line of calls) {
      const match = /^(.*?)\s+# prints (.*)$/.exec(line);
      expect(match, `'${line}' says what it prints`).not.toBeNull();
      const [, command, expected] = match!;
      const args = command!.replace(README_PORT, url).split(/\s+/).slice(1);
      const result = await npx(args);
      expect(result, line).toMatchObject({ code: 0, stderr: '' });
      // One value per line (`ls`) reads in the comment as a comma-separated list.
      expect(result.stdout.trim().split('\n').join(', '), line).toBe(expected);
    }

    const exited = new Promise((resolve) => running.once('close', resolve));
    process.kill(-running.pid!, 'SIGTERM');
    await exited;
  }, 120_000); // five npx starts, each about a second, several on a loaded machine
});

describe("the README's TypeScript snippet for a Python server", () => {
  it('is the one the type tests compile', () => {
    // Compared as code: Biome lays the type test's copy out its own way (line breaks, spaces,
    // trailing commas), and the comments stay as they are.
    const normalize = (lines: string[]) =>
      lines
        .join('\n')
        .replace(/\s+/g, '')
        .replace(/,([)\]}])/g, '$1');
    const snippet = normalize(
      blockAfter('A farcall client, calling a Python server built on the recipe:', 'ts'),
    );
    const types = readFileSync(new URL('types/proxy.types.ts', import.meta.url), 'utf8');
    const from = types.indexOf('// README: "A farcall client, calling a Python server');
    const to = types.indexOf('// README end', from);
    expect(from).toBeGreaterThan(0);
    const compiled = normalize(types.slice(types.indexOf('\n', from) + 1, to).split('\n'));
    expect(compiled).toBe(snippet);
  });
});
