import { execFileSync } from 'node:child_process';
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
