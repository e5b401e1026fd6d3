import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ErrorCode, TokenBridgeError } from '../../../src/core';
import { TokenVerifier, type RegistryStore } from '../../../src/tokens';
import { storeHarnesses } from '../../contract/store-harness';
import { adminClient } from '../../helpers/pg';
import { hotpToken, importTokens } from './registry-fixtures';
import { ManualClock } from '../../helpers/manual-clock';
import { verifierSettings } from '../../helpers/config';

const CTX = { source: 'test' };
describe.each(storeHarnesses())('pairing and audit over the %s store', (name, h) => {
  let store: RegistryStore;

  beforeEach(async () => {
    await h.setup();
    store = await h.open({ clock: new ManualClock(5000), maxTokensPerUser: 2 });
    await importTokens(
      store,
      ['A', 'B', 'C', 'D'].map((s) => hotpToken(s)),
    );
  });
  afterEach(() => h.teardown());

  async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
    try {
      await promise;
    } catch (err) {
      return (err as TokenBridgeError).code;
    }
    return undefined;
  }

  describe('pairing', () => {
    test('pair, tokensOf, unpair', async () => {
      expect(await store.pair('A', 'alice', CTX)).toMatchObject({ user: 'alice', pairedAt: 5000 });
      await store.pair('B', 'alice', CTX);
      expect((await store.tokensOf('alice')).map((t) => t.serial)).toEqual(['A', 'B']);
      expect(await store.unpair('A', CTX)).toBe('alice');
      expect(await store.unpair('A', CTX)).toBeNull();
      expect((await store.tokensOf('alice')).map((t) => t.serial)).toEqual(['B']);
    });

    test('a token belongs to at most one user; pairing it again to the same user is a no-op', async () => {
      await store.pair('A', 'alice', CTX);
      await store.pair('A', 'alice', CTX);
      expect(await codeOf(store.pair('A', 'bob', CTX))).toBe(ErrorCode.TOKEN_PAIRED);
      expect((await store.audit({ event: 'paired' })).length).toBe(1);
    });

    test('a user may pair up to the configured number of tokens', async () => {
      await store.pair('A', 'alice', CTX);
      await store.pair('B', 'alice', CTX);
      await expect(store.pair('C', 'alice', CTX)).rejects.toThrow(
        /already has 2 tokens, the limit is 2/,
      );
      expect(await codeOf(store.pair('C', 'alice', CTX))).toBe(ErrorCode.USER_TOKEN_LIMIT);
      await store.unpair('A', CTX);
      expect((await store.pair('C', 'alice', CTX)).user).toBe('alice');
    });

    test('unknown serials and empty users are refused', async () => {
      expect(await codeOf(store.pair('Z', 'alice', CTX))).toBe(ErrorCode.TOKEN_NOT_FOUND);
      expect(await codeOf(store.unpair('Z', CTX))).toBe(ErrorCode.TOKEN_NOT_FOUND);
      expect(await codeOf(store.pair('A', '', CTX))).toBe(ErrorCode.INVALID_INPUT);
    });
  });

  describe('audit', () => {
    test('records each event with time, serial, user and source, and filters', async () => {
      await store.pair('A', 'alice', { source: 'ws:pairing' });
      await store.unpair('A', CTX);
      await store.delete('D', CTX);
      const events = await store.audit();
      expect(events.map((e) => e.event)).toEqual(['imported', 'paired', 'unpaired', 'deleted']);
      expect(events[1]).toMatchObject({
        at: 5000,
        serial: 'A',
        user: 'alice',
        source: 'ws:pairing',
      });
      expect((await store.audit({ user: 'alice' })).map((e) => e.event)).toEqual([
        'paired',
        'unpaired',
      ]);
      expect((await store.audit({ newestFirst: true, limit: 1 }))[0]!.event).toBe('deleted');
      expect((await store.audit({ afterId: events[2]!.id })).map((e) => e.event)).toEqual([
        'deleted',
      ]);
    });

    test('is append-only: UPDATE and DELETE are refused by triggers', async () => {
      await store.pair('A', 'alice', CTX);
      if (name === 'sqlite') {
        const db = new Database(join(h.dir, 'store.sqlite'));
        try {
          expect(() => db.prepare("UPDATE audit SET user = 'mallory'").run()).toThrow(
            /append-only/,
          );
          expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
          expect(db.prepare('SELECT count(*) AS n FROM audit').get()).toEqual({ n: 2 });
        } finally {
          db.close();
        }
        return;
      }
      const db = await adminClient((h as unknown as { database: { name: string } }).database.name);
      try {
        await expect(db.query("UPDATE audit SET user_name = 'mallory'")).rejects.toThrow(
          /append-only/,
        );
        await expect(db.query('DELETE FROM audit')).rejects.toThrow(/append-only/);
        await expect(db.query('TRUNCATE audit')).rejects.toThrow(/append-only/);
        expect((await db.query('SELECT count(*)::int AS n FROM audit')).rows[0]).toEqual({ n: 2 });
      } finally {
        await db.end();
      }
    });

    test('never holds a seed or a whole passcode', async () => {
      const verifier = new TokenVerifier({
        store,
        clock: new ManualClock(5000),
        ...verifierSettings(),
      });
      const tried = ['755224', '287082', '999999', '287082', '12'];
      for (const otp of tried) await verifier.verify('A', otp, CTX);
      await verifier.resync('B', '359152', '969429', CTX);
      const text = JSON.stringify(await store.audit({ limit: 1000 }));
      for (const otp of ['755224', '287082', '999999', '359152', '969429']) {
        expect(text).not.toContain(otp);
      }
      expect(text).not.toContain('12345678901234567890');
      expect(text).not.toContain(Buffer.from('12345678901234567890').toString('hex'));
      expect(text).toContain('"otp":"******"');
      expect(text).toContain('"reason":"replayed"');
    });
  });
});
