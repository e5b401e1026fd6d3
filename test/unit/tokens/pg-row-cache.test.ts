import { PgRowCache } from '../../../src/tokens/postgres/pg-row-cache';
import type { PgLoadedRow } from '../../../src/tokens/postgres/pg-rows';

function row(serial: string, revision: number, counter = 0): PgLoadedRow {
  return {
    serial,
    kind: 'hotp',
    algorithm: 'sha1',
    digits: 6,
    period: 30,
    counter,
    last_step: null,
    drift: 0,
    public_id: null,
    yubico_usage: null,
    yubico_session: null,
    user_name: null,
    imported_at: 1,
    paired_at: null,
    last_used_at: null,
    fail_count: 2,
    locked_until: null,
    lock_count: 1,
    key_id: 'k',
    seed_nonce: Buffer.alloc(12),
    seed_ct: Buffer.alloc(36),
    revision,
  };
}
const next = { counter: 5, lastStep: null, drift: 0, yubicoUsage: null, yubicoSession: null };

test('beyond its capacity the least recently used token is dropped, not the one just read', () => {
  const cache = new PgRowCache(2);
  cache.set(row('A', 1));
  cache.set(row('B', 2));
  expect(cache.get('A')?.revision).toBe(1);
  cache.set(row('C', 3));
  expect(cache.get('B')).toBeUndefined();
  expect(cache.get('A')?.revision).toBe(1);
  expect(cache.get('C')?.revision).toBe(3);
  expect(cache.size).toBe(2);
});

test('an advance from the revision held moves the copy to the written state and revision', () => {
  const cache = new PgRowCache();
  cache.set(row('A', 7, 4));
  cache.advanced('A', 7, 9, next, 1234);
  expect(cache.get('A')).toMatchObject({
    revision: 9,
    counter: 5,
    fail_count: 0,
    lock_count: 0,
    locked_until: null,
    last_used_at: 1234,
  });
});

test.each([
  ['read at another revision', 6],
  ['read without a revision', undefined],
])('an advance from a copy %s drops the copy', (_name, readAt) => {
  const cache = new PgRowCache();
  cache.set(row('A', 7, 4));
  cache.advanced('A', readAt, 9, next, 1234);
  expect(cache.get('A')).toBeUndefined();
});

test('forget drops one token, clear drops all', () => {
  const cache = new PgRowCache();
  cache.set(row('A', 1));
  cache.set(row('B', 2));
  cache.forget('A');
  expect(cache.get('A')).toBeUndefined();
  expect(cache.get('B')).toBeDefined();
  cache.clear();
  expect(cache.size).toBe(0);
});
