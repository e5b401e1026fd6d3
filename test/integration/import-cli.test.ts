import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTokenbridge } from '../helpers/cli';
import { openStore, tempDir } from '../unit/tokens/registry-fixtures';

const FIXTURES = join(__dirname, '..', 'fixtures', 'import');
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

describe('tokens import', () => {
  test('imports a PingID file and reports the detected format', async () => {
    const r = await tb(join(FIXTURES, 'pingid.txt'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('imported 2 tokens from pingid.txt (csv): 2 added, 0 replaced\n');
    expect((await serials()).sort()).toEqual(['2308734700388', '2308734700389']);
  });

  test('--dry-run changes nothing; --json prints the summary', async () => {
    const r = await tb(join(FIXTURES, 'oath.csv'), '--dry-run', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'oath-csv', dryRun: true, added: 4 });
    expect(await serials()).toEqual([]);
  });

  test('an existing serial is refused unless --replace, and the refused file changes nothing', async () => {
    expect((await tb(join(FIXTURES, 'pingid.txt'))).code).toBe(0);
    const again = await tb(join(FIXTURES, 'pingid.txt'));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/2308734700388/);
    const replaced = await tb(join(FIXTURES, 'pingid.txt'), '--replace');
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toMatch(/0 added, 2 replaced/);
  });

  test('a bad line refuses the whole file and names the line', async () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, 'A1,3132333435363738393031323334353637383930\nA2,zz\n');
    const r = await tb(file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 2/);
    expect(await serials()).toEqual([]);
  });

  test('a PSKC file with the wrong pre-shared key is refused whole', async () => {
    const r = await tb(join(FIXTURES, 'rfc6030-figure6.pskcxml'), '--key', 'ff'.repeat(16));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MAC|key/i);
    expect(await serials()).toEqual([]);
  });

  test('flags are checked before anything is opened', async () => {
    expect((await tb(join(FIXTURES, 'pingid.txt'), '--key', 'abcd')).code).toBe(2);
    expect((await tb(join(FIXTURES, 'pingid.txt'), '--digits', '7')).code).toBe(2);
    const both = await tb(
      join(FIXTURES, 'pingid.txt'),
      '--key',
      'ab'.repeat(16),
      '--password',
      'x',
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/one, not both/);
  });
});
