import { compareSerials } from '../../../src/tokens';
import { hotpToken, importTokens, openStore, tempDir } from './registry-fixtures';

const SERIALS = ['100001', '4242', 't10', '99', 't2', '4243', 'a', '1000000', 'B', 'b', '0042'];
const ORDER = ['B', 'a', 'b', '99', 't2', 't10', '0042', '4242', '4243', '100001', '1000000'];

describe('the one serial order', () => {
  test('shorter first, then bytewise: numbers in numeric order, 100001 after 4242', () => {
    expect([...SERIALS].sort(compareSerials)).toEqual(ORDER);
    expect(compareSerials('4242', '100001')).toBeLessThan(0);
    expect(compareSerials('7', '7')).toBe(0);
  });

  test('the SQLite store lists and pages in exactly that order', async () => {
    const { dir, cleanup } = tempDir();
    const store = openStore(dir);
    try {
      importTokens(
        store,
        SERIALS.map((s) => hotpToken(s)),
      );
      expect((await store.list()).map((r) => r.serial)).toEqual(ORDER);
      const paged: string[] = [];
      for (let after = ''; ;) {
        const page = await store.list({ afterSerial: after, limit: 3 });
        if (page.length === 0) break;
        paged.push(...page.map((r) => r.serial));
        after = page.at(-1)!.serial;
      }
      expect(paged).toEqual(ORDER);
    } finally {
      store.closeSync();
      cleanup();
    }
  });
});
