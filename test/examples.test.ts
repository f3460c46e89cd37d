import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findPython } from './helpers/python.js';

/** `npm start` must keep working as the README says: it runs, prints, and exits by itself. */
describe('the demo (npm start)', () => {
  it('runs the recipe in farcall, and with Python both ways, then exits', () => {
    const output = execFileSync(process.execPath, ['examples/recipe/demo.js'], {
      cwd: new URL('..', import.meta.url),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(output).toMatch(/> remote\.add\(2, 3\)\n5\n/);
    expect(output).toMatch(/> remote\.sub\(2, 3\)\n-1\n/);
    expect(output).toContain("TypeError: unsupported operand type(s) for -: 'array' and 'number'");
    if (findPython() || process.env.CI) {
      expect(output).toContain(">>> remote.greet('bob', punctuation='?')\nhello bob?");
      expect(output).toContain("TypeError: unsupported operand type(s) for -: 'list' and 'int'");
      expect(output).toMatch(/> remote\.add\('far', 'call'\)\nfarcall\n/);
    }
    expect(output).toContain('servers closed; done.');
  });
});

/**
 * examples/typescript: server and client in separate files, the client typed by `import type`
 * alone. Both run through tsx, as the example's README says; the server binds port 0.
 */
describe('the TypeScript example (examples/typescript)', () => {
  it('serves the api from one process and calls it, typed, from another', async () => {
    const cwd = new URL('..', import.meta.url);
    const server = spawn(
      process.execPath,
      ['--import', 'tsx', 'examples/typescript/server.ts', 'tcp://127.0.0.1:0'],
      { cwd },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        let stderr = '';
        const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 15_000);
        server.stderr.on('data', (chunk) => (stderr += chunk));
        server.stdout.on('data', (chunk) => {
          stdout += chunk;
          const match = /^listening on (\S+)$/m.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        server.on('close', (code) => {
          clearTimeout(timer);
          reject(new Error(`server exited ${code}: ${stderr}`));
        });
      });
      const output = execFileSync(
        process.execPath,
        ['--import', 'tsx', 'examples/typescript/client.ts', url],
        { cwd, encoding: 'utf8', timeout: 15_000 },
      );
      expect(output).toBe(
        'add(2, 3) = 5\nusers.get(1) = Ada\nusers.get(7) failed: NotFoundError (status 404): no user 7\n',
      );
      const exited = new Promise((resolve) => server.once('close', resolve));
      server.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      server.kill('SIGKILL');
    }
  });
});
