// The browser half of `npm run build` (after tsc): esbuild bundles src/browser.ts into one ES
// module with no imports at all (dist/farcall.browser.js, the package's `./browser` export), and
// the playground's script (dist/playground/page.js), which imports that bundle by URL from the
// same server; the playground's style sheet is copied beside it. Prints each file's size, and
// fails when an output imports anything but the bundle.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const path = (p) => new URL(p, root).pathname;

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  // Class and function names stay: errors are told apart by name across the wire.
  keepNames: true,
  sourcemap: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  absWorkingDir: path('.'),
};

/** The playground's `import … from '../browser.js'` becomes the bundle, fetched by URL. */
const bundleByUrl = {
  name: 'farcall-bundle-by-url',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/browser\.js$/ }, () => ({
      path: './farcall.browser.js',
      external: true,
    }));
  },
};

const outputs = [
  await build({ ...common, entryPoints: ['src/browser.ts'], outfile: 'dist/farcall.browser.js' }),
  await build({
    ...common,
    entryPoints: ['src/playground/page.ts'],
    outfile: 'dist/playground/page.js',
    plugins: [bundleByUrl],
  }),
];
mkdirSync(path('dist/playground'), { recursive: true });
copyFileSync(path('src/playground/page.css'), path('dist/playground/page.css'));

for (const { metafile } of outputs) {
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (file.endsWith('.map')) continue;
    const bad = output.imports.filter((i) => i.path !== './farcall.browser.js');
    if (bad.length > 0) {
      throw new Error(`${file} imports ${bad.map((i) => i.path).join(', ')}: it must stand alone`);
    }
    const bytes = readFileSync(path(file));
    const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`${file}: ${kb(bytes.length)} (${kb(gzipSync(bytes).length)} gzipped)`);
  }
}
