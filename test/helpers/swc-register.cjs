// Lets a child process `require` our TypeScript sources, the way Jest does in process:
//   node -r ./test/helpers/swc-register.cjs test/helpers/registry-worker.ts ...
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload, loaded before any compiler */
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
