import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTokenbridge } from '../helpers/cli';
import { OutputWatch } from '../helpers/output-watch';
import { openStore, tempDir } from '../unit/tokens/registry-fixtures';
import { buildEncryptedPskc } from '../unit/import/pskc-builder';
import { RFC6030_PASSWORD, RFC6030_PRESHARED_KEY_HEX, fixture } from '../fixtures/import/vectors';

const ROOT = join(__dirname, '..', '..');
const FIGURE6 = fixture('rfc6030-figure6.pskcxml'); // pre-shared key
const FIGURE7 = fixture('rfc6030-figure7.pskcxml'); // password (PBKDF2)
const FIGURE3 = fixture('rfc6030-figure3.pskcxml'); // plaintext

let dir: string;
let cleanup: () => void;
let storeFlags: string[];
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  storeFlags = ['--store', join(dir, 'store.sqlite'), '--key-file', join(dir, 'keys', 'seed.key')];
});
afterEach(() => cleanup());

const tb = (...args: string[]) => runTokenbridge(['tokens', 'import', ...args, ...storeFlags]);

async function serials(): Promise<string[]> {
  const store = openStore(dir);
  try {
    return (await store.list()).map((t) => t.serial);
  } finally {
    store.closeSync();
  }
}

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

describe('PSKC secrets off the command line', () => {
  test('--pskc-key-file and --password-file replace --key and --password, without a warning', async () => {
    const keyFile = write(
      'transport.key',
      `${RFC6030_PRESHARED_KEY_HEX.replace(/(..)/g, '$1 ')}\n`,
    );
    const r1 = await tb(FIGURE6, '--pskc-key-file', keyFile, '--dry-run');
    expect(r1).toMatchObject({ code: 0, stderr: '' });
    const pwFile = write('transport.pw', `${RFC6030_PASSWORD}\n`);
    const r2 = await tb(FIGURE7, '--password-file', pwFile);
    expect(r2).toMatchObject({ code: 0, stderr: '' });
    expect(await serials()).toEqual(['987654321']);
  });

  test('--key and --password still work, with a warning naming /proc/PID/cmdline', async () => {
    const r = await tb(FIGURE7, '--password', RFC6030_PASSWORD, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'tokenbridge: warning: --password is visible to every user of this machine (/proc/PID/cmdline) while the import runs; use --password-file FILE, or give neither and type it when asked\n',
    );
  });

  test('a key file that is not a key is refused without showing it', async () => {
    const keyFile = write('wrong.key', `${RFC6030_PRESHARED_KEY_HEX}zz\n`);
    const r = await tb(FIGURE6, '--pskc-key-file', keyFile);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--pskc-key-file .*: expected hex digits in pairs, got 34 characters/);
    expect(r.stderr).not.toContain(RFC6030_PRESHARED_KEY_HEX.slice(0, 12));
  });

  test('without a terminal, an encrypted file says which file flag it needs', async () => {
    const r = await tb(FIGURE7);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/password-derived key: pass --password-file FILE/);
  });
});

describe('PSKC downgrades are refused whole', () => {
  test('a protected file with one Secret in plaintext imports nothing', async () => {
    const key = Buffer.from(RFC6030_PRESHARED_KEY_HEX, 'hex');
    const seed = Buffer.alloc(20, 7);
    const file = write(
      'downgraded.pskcxml',
      buildEncryptedPskc({
        key,
        packages: [
          { serial: 'G1', secret: seed },
          { serial: 'PLANTED', secret: Buffer.alloc(20, 0x41), plainSecret: true },
        ],
      }),
    );
    const keyFile = write('transport.key', RFC6030_PRESHARED_KEY_HEX);
    const r = await tb(file, '--pskc-key-file', keyFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SerialNo PLANTED\)\/Key\/Data\/Secret: not encrypted/);
    expect(await serials()).toEqual([]);
  });

  test('a key given for a plaintext file is refused unless --allow-plaintext', async () => {
    const keyFile = write('transport.key', RFC6030_PRESHARED_KEY_HEX);
    const refused = await tb(FIGURE3, '--pskc-key-file', keyFile);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not encrypted, but a key or password was given/);
    expect(await serials()).toEqual([]);
    const allowed = await tb(FIGURE3, '--pskc-key-file', keyFile, '--allow-plaintext');
    expect(allowed.code).toBe(0);
    expect(await serials()).toEqual(['987654321']);
  });
});

/** The CLI from the sources in its own process, optionally under `script` for a real terminal. */
function cli(args: string[], options: { heapMiB?: number; terminal?: boolean } = {}) {
  const node = [
    process.execPath,
    ...(options.heapMiB ? [`--max-old-space-size=${options.heapMiB}`] : []),
    '-r',
    join(ROOT, 'test', 'helpers', 'swc-register.cjs'),
    join(ROOT, 'src', 'cli', 'main.ts'),
    ...args,
  ];
  const quoted = node.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = options.terminal
    ? spawn('script', ['-qec', quoted, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(node[0]!, node.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new OutputWatch(child.stdout, child.stderr);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      out.end(`the command exited ${code ?? signal}`);
      resolve({ code, signal });
    }),
  );
  return { child, out, exit };
}

test('on a terminal the password is asked for and never echoed', async () => {
  const run = cli(['tokens', 'import', FIGURE7, ...storeFlags], { terminal: true });
  await run.out.until(/PSKC password for rfc6030-figure7\.pskcxml: /);
  run.child.stdin.write(`${RFC6030_PASSWORD}\r`);
  expect(await run.exit).toEqual({ code: 0, signal: null });
  expect(run.out.text).toMatch(/imported 1 token from rfc6030-figure7\.pskcxml/);
  expect(run.out.text).not.toContain(RFC6030_PASSWORD);
  expect(await serials()).toEqual(['987654321']);
});

/** A plaintext PSKC file of `count` HOTP tokens, written as a stream (tens of MiB). */
async function bigPskc(name: string, count: number): Promise<string> {
  const path = join(dir, name);
  const out = createWriteStream(path);
  const secret = Buffer.alloc(20, 0x33).toString('base64');
  out.write(
    '<?xml version="1.0"?>\n<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">\n',
  );
  for (let i = 0; i < count; i++)
    out.write(
      `<KeyPackage><DeviceInfo><Manufacturer>Acme</Manufacturer><SerialNo>${1_000_000 + i}</SerialNo></DeviceInfo>` +
        `<Key Id="k${i}" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp"><AlgorithmParameters>` +
        `<ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters><Data><Secret><PlainValue>` +
        `${secret}</PlainValue></Secret><Counter><PlainValue>0</PlainValue></Counter></Data></Key></KeyPackage>\n`,
    );
  await new Promise<void>((resolve) => out.end('</KeyContainer>\n', resolve));
  return path;
}

describe('large PSKC files under a small heap', () => {
  test('a 13 MiB file imports under a 128 MiB heap (the whole-document parse aborted)', async () => {
    const file = await bigPskc('big.pskcxml', 32_000);
    const run = cli(['tokens', 'import', file, '--dry-run', ...storeFlags], { heapMiB: 128 });
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(run.out.text).toMatch(/dry run: 32000 tokens in big\.pskcxml \(pskc\) would import/);
  }, 60_000);

  test('a file past what the heap can take is refused before parsing, with what to do', async () => {
    const file = await bigPskc('huge.pskcxml', 110_000);
    const run = cli(['tokens', 'import', file, '--dry-run', ...storeFlags], { heapMiB: 128 });
    expect(await run.exit).toEqual({ code: 1, signal: null });
    expect(run.out.text).toMatch(
      /^tokenbridge: file: 4\d\.\d MiB is too large for a PSKC import here: at most \d+\.\d MiB with a \d+\.\d MiB heap .*split the file, or give node more heap/,
    );
    expect(readFileSync(file).length).toBeGreaterThan(40 * 2 ** 20);
  }, 60_000);
});
