// Lint rules, including the one-way layer dependencies (docs/architecture.md):
//   core <- yubikey <- devices <- enroll <- flows;  core <- otp <- tokens <- enroll;  api <- server, web;
//   drivers -> core only;  config <- runtime <- daemon, cli, qa;  server <- daemon <- cli.
//   api -> core/passcode only: the page bundles src/api, so it takes nothing that needs node.
// Every folder of src/ is a layer with a rule, and a layer missing from ALLOWED fails the lint.
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The layers below the server: what the runtime builds the parts from. */
const PARTS = ['core', 'yubikey', 'devices', 'otp', 'tokens', 'enroll', 'flows'];
/** The server and the lifecycle on top of the runtime. */
const DAEMON = [...PARTS, 'api', 'server', 'config', 'runtime', 'drivers'];

/** Which layers each layer may import (besides itself). */
const ALLOWED = {
  core: [],
  yubikey: ['core'],
  devices: ['core', 'yubikey'],
  otp: ['core'],
  tokens: ['core', 'otp'],
  // Setting up a key: programs it through a device's session, verifies, registers.
  enroll: ['core', 'yubikey', 'devices', 'otp', 'tokens'],
  flows: PARTS.filter((l) => l !== 'flows'),
  // The passcode rule is core's (src/core/passcode.ts); the page bundles api, so only pure modules.
  api: ['core'],
  // The server only decodes, calls the backend interface it declares, and encodes.
  server: ['core', 'api'],
  web: ['api'],
  // The schema checks virtual token specs with the driver's own parser.
  config: ['core', 'otp', 'drivers'],
  // The composition root: a resolved config in, every part below the server out.
  runtime: [...PARTS, 'config', 'drivers'],
  daemon: DAEMON,
  // QA drives a whole daemon from scenario files; the command line sits on top of it.
  qa: [...DAEMON, 'daemon'],
  cli: [...DAEMON, 'daemon', 'qa'],
  drivers: ['core'],
};

const LAYERS = Object.keys(ALLOWED);
const folders = readdirSync(new URL('./src', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const unruled = folders.filter((name) => !LAYERS.includes(name));
if (unruled.length > 0)
  throw new Error(`src/${unruled.join(', src/')}: add the layer to ALLOWED in eslint.config.mjs`);

/** Import patterns a layer must not use besides the other layers (each a no-restricted-imports pattern). */
const EXTRA = {
  // The page bundles src/api: of src/core only the pure passcode parser, never its index.
  api: [
    {
      regex: '^\\.\\./core(/(?!passcode$).*)?$',
      message: 'src/api may import only ../core/passcode of src/core: the page bundles src/api.',
    },
  ],
};

/** The modules of src/core the page bundles (through src/api): nothing that needs node. */
const BROWSER_CORE = ['src/core/passcode.ts', 'src/core/modhex.ts', 'src/core/errors.ts'];
const BROWSER_ONLY = [
  {
    regex: '^(node:|[a-z@])',
    message: 'the page bundles this module (through src/api): no node or package imports.',
  },
  {
    regex: `^\\./(?!(${BROWSER_CORE.map((f) => f.slice('src/core/'.length, -'.ts'.length)).join('|')})$)`,
    message: `the page bundles this module (through src/api): it may import only ${BROWSER_CORE.join(', ')}.`,
  },
];

function restrict(layer, extra = []) {
  const forbidden = LAYERS.filter((l) => l !== layer && !ALLOWED[layer].includes(l));
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^\\.\\.?/(.*/)?(${forbidden.join('|')})(/|$)`,
            message: `src/${layer} may import only: ${ALLOWED[layer].join(', ') || 'nothing outside itself'} (docs/architecture.md).`,
          },
          ...(EXTRA[layer] ?? []),
          ...extra,
        ],
      },
    ],
  };
}

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bin/**', '*.config.js', '*.config.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'off',
    },
  },
  ...Object.keys(ALLOWED).map((layer) => ({
    files: [layer === 'drivers' ? 'drivers/**/*.ts' : `src/${layer}/**/*.ts`],
    rules: restrict(layer),
  })),
  { files: BROWSER_CORE, rules: restrict('core', BROWSER_ONLY) },
  {
    // Tests and benches may not mock our own modules: they drive the real code.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'jest', property: 'mock', message: 'Fake the wire, not our modules (STYLE.md).' },
      ],
    },
  },
);
