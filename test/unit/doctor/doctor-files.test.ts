import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkStoreFiles } from '../../../src/cli/doctor/files';

const UID = process.getuid?.() ?? 0;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokenbridge-doctor-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function byId(results: Awaited<ReturnType<typeof checkStoreFiles>>) {
  return Object.fromEntries(results.map((r) => [r.id, r]));
}

test('a key in its own folder gets its own folder check', async () => {
  const keys = join(dir, 'keys');
  mkdirSync(keys);
  chmodSync(keys, 0o775);
  writeFileSync(join(keys, 'seed.key'), Buffer.alloc(32, 1), { mode: 0o600 });
  const checks = byId(
    await checkStoreFiles(join(dir, 'tokens.sqlite'), join(keys, 'seed.key'), UID),
  );
  expect(Object.keys(checks)).toEqual(['store-folder', 'key-folder', 'store-file', 'key-file']);
  expect(checks['store-folder']).toMatchObject({ status: 'ok', title: 'registry folder' });
  expect(checks['key-folder']).toMatchObject({
    status: 'fail',
    title: 'seed key folder',
    detail: `${keys} has mode 0775: group or others can replace the seed key in it (expected 0700)`,
    fix: `chmod 700 ${keys}`,
  });
});

test('a folder that is a file fails, and the files under it are reported as unseen, not missing', async () => {
  const notAFolder = join(dir, 'state');
  writeFileSync(notAFolder, 'x');
  const store = join(notAFolder, 'tokens.sqlite');
  const checks = byId(await checkStoreFiles(store, join(notAFolder, 'seed.key'), UID));
  expect(checks['store-folder']).toMatchObject({
    status: 'fail',
    detail: `${notAFolder} is not a folder`,
  });
  expect(checks['store-file']).toMatchObject({
    status: 'warn',
    detail: `cannot look at ${store} (ENOTDIR)`,
  });
  expect(checks['store-file']!.fix).toMatch(/run doctor as the user the daemon runs as/);
});

test('a folder not there yet is fine: the daemon creates it 0700', async () => {
  const later = join(dir, 'later');
  const checks = byId(await checkStoreFiles(join(later, 'tokens.sqlite'), join(later, 'k'), UID));
  expect(checks['store-folder']).toMatchObject({
    status: 'ok',
    detail: `${later} does not exist yet: created (0700) on first start`,
  });
  expect(checks['store-file']!.status).toBe('ok');
});
