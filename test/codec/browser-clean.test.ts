/**
 * The MessagePack codec is part of the core that browsers load: it must compile with the DOM
 * library and no Node types (no `node:` import, no `Buffer`), which `tsconfig.browser.json`
 * here checks with the real compiler.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('compiles with lib ES2023 + DOM and no Node types', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('./tsconfig.browser.json', import.meta.url));
  const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
});
