import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../src/core';
import { ImportError, importFile, type ImportProgress } from '../../../src/tokens/import';
import { SEED20_HEX, fixture, pingIdLine } from '../../fixtures/import/vectors';
import { MemoryImportTarget } from './memory-target';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-import-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const OPTS = { replace: false, dryRun: false };

describe('importFile', () => {
  test('detects the format, adds every token and commits one session', async () => {
    const target = new MemoryImportTarget();
    const result = await importFile(target, fixture('oath.csv'), OPTS);
    expect(result).toEqual({ added: 4, replaced: 0, dryRun: false, format: 'oath-csv', tokens: 4 });
    expect([...target.tokens.keys()]).toEqual(['hotp1', 'hotp2', 'totp1', 'totp256']);
    expect(target.sessions).toEqual([
      {
        options: { replace: false, dryRun: false, source: 'oath.csv (oath-csv)' },
        state: 'committed',
      },
    ]);
  });

  test('an error on line 5000 rolls back everything, and says where', async () => {
    const lines = Array.from({ length: 6000 }, (_, i) => pingIdLine(i));
    lines[4999] = '1004999,not-hex';
    const target = new MemoryImportTarget();
    const path = file('big.txt', lines.join('\n'));
    await expect(importFile(target, path, OPTS)).rejects.toThrow(
      'line 5000, column 2: seed: expected hex digits in pairs',
    );
    expect(target.tokens.size).toBe(0);
    expect(target.sessions[0]!.state).toBe('rolled back');
  });

  test("the store's own refusal (a duplicate serial) gets the location and rolls back", async () => {
    const target = new MemoryImportTarget();
    const path = file('dup.txt', `A,${SEED20_HEX}\nB,${SEED20_HEX}\nA,${SEED20_HEX}\n`);
    await expect(importFile(target, path, OPTS)).rejects.toMatchObject({
      code: 'TOKEN_EXISTS',
      message: 'line 3: serial A already exists',
    });
    expect(target.tokens.size).toBe(0);
  });

  test('--format overrides detection; csv defaults and PSKC secrets are refused for other formats', async () => {
    const target = new MemoryImportTarget();
    const path = file('plain.csv', `s1, ${SEED20_HEX}\n`);
    const oath = await importFile(target, path, { ...OPTS, format: 'oath-csv' });
    expect(oath.format).toBe('oath-csv');
    await expect(
      importFile(target, fixture('oath.csv'), {
        ...OPTS,
        csv: { type: 'totp', digits: 6, period: 30 },
      }),
    ).rejects.toThrow(UsageError);
    await expect(
      importFile(target, fixture('oath.csv'), { ...OPTS, secrets: { password: 'x' } }),
    ).rejects.toThrow(/--key and --password apply to the pskc format only; this file is oath-csv/);
  });

  test('PSKC files go through the same session', async () => {
    const target = new MemoryImportTarget();
    const result = await importFile(target, fixture('rfc6030-figure7.pskcxml'), {
      ...OPTS,
      secrets: { password: 'qwerty' },
    });
    expect(result).toMatchObject({ format: 'pskc', added: 1 });
    await expect(
      importFile(new MemoryImportTarget(), fixture('billion-laughs.pskcxml'), OPTS),
    ).rejects.toThrow(ImportError);
  });

  test('progress counts tokens and bytes up to the file size', async () => {
    const seen: ImportProgress[] = [];
    const path = file('p.txt', Array.from({ length: 300 }, (_, i) => pingIdLine(i)).join('\n'));
    await importFile(new MemoryImportTarget(), path, { ...OPTS, onProgress: (p) => seen.push(p) });
    expect(seen).toHaveLength(300);
    expect(seen[299]!.tokens).toBe(300);
    expect(seen[299]!.bytesRead).toBe(seen[299]!.totalBytes);
    expect(seen.every((p, i) => i === 0 || p.bytesRead >= seen[i - 1]!.bytesRead)).toBe(true);
  });

  test('unreadable, empty and UTF-16 files are refused with a reason', async () => {
    const target = new MemoryImportTarget();
    await expect(importFile(target, join(dir, 'missing.txt'), OPTS)).rejects.toThrow(
      /cannot read \(ENOENT\)/,
    );
    await expect(importFile(target, dir, OPTS)).rejects.toThrow(/not a regular file/);
    await expect(importFile(target, file('empty.txt', ''), OPTS)).rejects.toThrow(
      /no records found/,
    );
    const utf16 = join(dir, 'u16.txt');
    writeFileSync(
      utf16,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`a,${SEED20_HEX}`, 'utf16le')]),
    );
    await expect(importFile(target, utf16, OPTS)).rejects.toThrow(
      /UTF-16 text: save the file as UTF-8/,
    );
    expect(target.sessions).toHaveLength(0);
  });
});
