// Builds the pairing page into one folder the daemon serves: index.html, app.js, app.css and the
// icon. `node scripts/build-web.cjs [OUT_DIR]` (default dist/web); the browser tests call buildWeb().
/* global require, module, __dirname, process, console */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run before any compiler */
const { copyFileSync, mkdirSync } = require('node:fs');
const { dirname, join, resolve, sep } = require('node:path');
const esbuild = require('esbuild');

const ROOT = resolve(__dirname, '..');
const SOURCE = join(ROOT, 'src', 'web');
/** What the page must run on: the two browsers the README promises, a few years back. */
const TARGETS = ['es2020', 'chrome100', 'firefox100'];

/**
 * zod exports every locale it has as `z.locales`, which puts 260 KB of translations nobody reads into
 * the page (it shows its own messages). Inside zod, the locales index becomes English only.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /[\\/]locales[\\/]index\.js$/ }, (args) => {
      if (!args.importer.includes(`${sep}zod${sep}`)) return undefined;
      return { path: join(dirname(args.importer), '..', 'locales'), namespace: 'zod-locales' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';\n",
      resolveDir: args.path,
      loader: 'js',
    }));
  },
};

/** Builds into `outDir` (created); resolves to the list of files written. */
async function buildWeb(outDir = join(ROOT, 'dist', 'web'), options = {}) {
  const minify = options.minify ?? true;
  mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(SOURCE, 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: TARGETS,
    minify,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [zodEnglishOnly],
  });
  await esbuild.build({
    entryPoints: [join(SOURCE, 'app.css')],
    outfile: join(outDir, 'app.css'),
    bundle: true,
    target: TARGETS,
    minify,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'favicon.svg'])
    copyFileSync(join(SOURCE, file), join(outDir, file));
  return ['index.html', 'app.js', 'app.css', 'favicon.svg'].map((f) => join(outDir, f));
}

module.exports = { buildWeb };

if (require.main === module) {
  buildWeb(process.argv[2] ? resolve(process.argv[2]) : undefined).then(
    (files) => console.log(`page built: ${files.length} files in ${resolve(files[0], '..')}`),
    (err) => {
      console.error(`page build failed: ${err.message}`);
      process.exit(1);
    },
  );
}
