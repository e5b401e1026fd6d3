import { ErrorCode, TokenBridgeError } from '../../src/core';
import {
  compareSerials,
  TokenVerifier,
  type ImportedToken,
  type ListOptions,
  type RegistryStore,
} from '../../src/tokens';
import { ManualClock } from '../helpers/manual-clock';
import { verifierSettings } from '../helpers/config';
import { generateHotp } from '../../src/otp';
import {
  hotpToken,
  importTokens,
  RFC_SEED,
  totpToken,
  yubicoToken,
} from '../unit/tokens/registry-fixtures';
import { storeHarnesses } from './store-harness';

/**
 * The TokenStore contract, every case against the SQLite file and a real PostgreSQL database
 * alike: records, imports, compare-and-set, failures, the audit trail. Backend-only details (WAL
 * settings, advisory-lock migrations) have their own suites.
 */
describe.each(storeHarnesses())('the token store contract: %s', (_name, h) => {
  beforeEach(() => h.setup());
  afterEach(() => h.teardown());

  async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
    try {
      await promise;
    } catch (err) {
      return err instanceof TokenBridgeError ? err.code : `not a TokenBridgeError: ${String(err)}`;
    }
    return undefined;
  }

  describe('opening', () => {
    test('reopening keeps the tokens', async () => {
      const store = await h.open();
      await importTokens(store, [hotpToken('A1')]);
      await store.close();
      const again = await h.open();
      expect((await again.get('A1'))?.kind).toBe('hotp');
    });

    test('check() reports a healthy registry sealed under its key', async () => {
      const store = await h.open();
      await importTokens(store, [hotpToken('A1'), totpToken('T1')]);
      const checks = await store.check();
      expect(checks.every((c) => c.ok)).toBe(true);
      expect(checks.map((c) => c.name)).toEqual(expect.arrayContaining(['schema', 'key']));
      expect(store.health()).toEqual({ ok: true });
    });
  });

  describe('records', () => {
    test('a record carries state and metadata but no secret', async () => {
      const store = await h.open({ clock: new ManualClock(1234) });
      await importTokens(store, [hotpToken('H1', { counter: 7 }), yubicoToken('Y1', 'dteffuje')]);
      const rec = await store.get('H1');
      expect(rec).toMatchObject({
        serial: 'H1',
        kind: 'hotp',
        counter: 7,
        lastStep: null,
        user: null,
        importedAt: 1234,
        failCount: 0,
        lockedUntil: null,
        lockCount: 0,
        keyId: store.keyId,
      });
      expect(Object.keys(rec!)).not.toContain('secret');
      expect(JSON.stringify(rec)).not.toContain('3132333435'); // the seed as hex
      expect((await store.findByPublicId('dteffuje'))?.serial).toBe('Y1');
      expect(await store.get('nope')).toBeNull();
    });

    test('list pages by serial; count counts', async () => {
      const store = await h.open();
      await importTokens(
        store,
        ['C', 'A', 'b', 'B', 'D'].map((s) => hotpToken(s)),
      );
      // Byte order, as SQLite compares text: upper case before lower case.
      expect((await store.list()).map((r) => r.serial)).toEqual(['A', 'B', 'C', 'D', 'b']);
      expect((await store.list({ afterSerial: 'B', limit: 1 })).map((r) => r.serial)).toEqual([
        'C',
      ]);
      expect(await store.count()).toBe(5);
    });

    test("list, --after paging and a user's tokens are in serial order (serial-order.ts)", async () => {
      const serials = [
        '100001',
        '4242',
        't10',
        '99',
        't2',
        '4243',
        'a',
        '1000000',
        'Z9',
        'b',
        '0042',
      ];
      const store = await h.open();
      await importTokens(
        store,
        serials.map((s) => hotpToken(s)),
      );
      for (const serial of ['t10', '4243', '99', 'a'])
        await store.pair(serial, 'alice', { source: 'test' });
      const inOrder = [...serials].sort(compareSerials);
      // Shorter first, then bytewise: numbers in numeric order, t2 before t10, Z9 before t2.
      expect(inOrder).toEqual([
        'a',
        'b',
        '99',
        'Z9',
        't2',
        't10',
        '0042',
        '4242',
        '4243',
        '100001',
        '1000000',
      ]);
      const listed = async (options: ListOptions) =>
        (await store.list(options)).map((r) => r.serial);
      expect(await listed({})).toEqual(inOrder);
      // Paging by the last serial of each page walks the same order, whatever the page size.
      for (const limit of [1, 3, 4]) {
        const pages: string[] = [];
        let page = await listed({ limit });
        while (page.length > 0) {
          pages.push(...page);
          page = await listed({ limit, afterSerial: page.at(-1)! });
        }
        expect(pages).toEqual(inOrder);
      }
      // A bound need not be a serial of the registry: what sorts after it, in that order.
      expect(await listed({ afterSerial: '5000' })).toEqual(['100001', '1000000']);
      expect(await listed({ afterSerial: 'zz', limit: 2 })).toEqual(['t10', '0042']);
      expect(await listed({ afterSerial: '' })).toEqual(inOrder);
      expect((await store.tokensOf('alice')).map((r) => r.serial)).toEqual([
        'a',
        '99',
        't10',
        '4243',
      ]);
    });

    test('load decrypts the secret for a verification', async () => {
      const store = await h.open();
      await importTokens(store, [hotpToken('H1'), yubicoToken('Y1', 'dteffuje')]);
      const hot = await store.load('H1');
      expect(hot!.secret.secret.toString('ascii')).toBe('12345678901234567890');
      expect(hot!.secret.privateId).toBeNull();
      const y = await store.load('Y1');
      expect(y!.secret.secret.toString('hex')).toBe('ecde18dbe76fbd0c33330f1c354871db');
      expect(y!.secret.privateId!.toString('hex')).toBe('8792ebfe26cc');
      expect(await store.load('nope')).toBeNull();
    });

    test('delete removes the token and audits it', async () => {
      const store = await h.open();
      await importTokens(store, [hotpToken('H1')]);
      expect(await store.delete('H1', { source: 'test' })).toBe(true);
      expect(await store.delete('H1', { source: 'test' })).toBe(false);
      expect(await store.get('H1')).toBeNull();
      expect((await store.audit({ event: 'deleted' })).map((e) => e.serial)).toEqual(['H1']);
    });

    test('every audit row names the node that wrote it', async () => {
      const a = await h.open({ nodeName: 'kiosk-a' });
      await importTokens(a, [hotpToken('H1')]);
      const b = await h.open({ nodeName: 'kiosk-b' });
      await b.pair('H1', 'alice', { source: 'test' });
      const rows = await b.audit();
      expect(rows.map((r) => [r.event, r.node])).toEqual([
        ['imported', 'kiosk-a'],
        ['paired', 'kiosk-b'],
      ]);
    });
  });

  describe('compare-and-set', () => {
    test('advance writes only over the state it was computed from, and audits in step', async () => {
      const store = await h.open();
      await importTokens(store, [hotpToken('H1')]);
      const record = (await store.get('H1'))!;
      const expected = {
        counter: record.counter,
        lastStep: record.lastStep,
        drift: record.drift,
        yubicoUsage: record.yubicoUsage,
        yubicoSession: record.yubicoSession,
      };
      const move = (counter: number) =>
        store.advance({
          serial: 'H1',
          expected,
          next: { ...expected, counter },
          at: 10,
          audit: {
            event: 'verified',
            serial: 'H1',
            user: null,
            source: 'test',
            detail: { counter },
          },
        });
      expect(await move(1)).toBe(true);
      expect(await move(2)).toBe(false); // the state it expected is gone
      expect((await store.get('H1'))!.counter).toBe(1);
      expect((await store.audit({ event: 'verified' })).map((e) => e.detail)).toEqual([
        { counter: 1 },
      ]);
    });

    test('failures count under the policy and lock at exactly maxFailures', async () => {
      const store = await h.open();
      await importTokens(store, [hotpToken('H1')]);
      const policy = { maxFailures: 3, baseLockMs: 1000, growth: 2, maxLockMs: 10_000 };
      const fail = (at: number) =>
        store.recordFailure({
          serial: 'H1',
          at,
          policy,
          audit: { event: 'failed', serial: 'H1', user: null, source: 'test', detail: {} },
        });
      expect(await fail(1)).toEqual({ failCount: 1, lockCount: 0, lockedUntil: null });
      expect(await fail(2)).toEqual({ failCount: 2, lockCount: 0, lockedUntil: null });
      expect(await fail(3)).toEqual({ failCount: 0, lockCount: 1, lockedUntil: 1003 });
      // While locked, a failure does not count again.
      expect(await fail(4)).toEqual({ failCount: 0, lockCount: 1, lockedUntil: 1003 });
      expect((await store.audit()).map((e) => e.event)).toEqual([
        'imported',
        'failed',
        'failed',
        'failed',
        'locked',
      ]);
      expect(
        await store.recordFailure({
          serial: 'nope',
          at: 1,
          policy,
          audit: { event: 'failed', serial: 'nope', user: null, source: 't', detail: {} },
        }),
      ).toBeNull();
    });

    test('two stores on one registry: the same passcode is accepted once', async () => {
      const one = await h.open();
      await importTokens(one, [hotpToken('H1')]);
      const two = await h.open();
      const verifiers = [
        new TokenVerifier({ store: one, ...verifierSettings() }),
        new TokenVerifier({ store: two, ...verifierSettings() }),
      ];
      const outcomes = await Promise.all(
        verifiers.map((v) => v.verify('H1', '755224', { source: 'test' })),
      );
      expect(outcomes.filter((o) => o.status === 'accepted')).toHaveLength(1);
      expect((await two.get('H1'))!.counter).toBe(1);
    });

    /**
     * Two stores on one registry, as two daemons of a fleet: whatever `one` keeps in memory from its
     * last verification, every change made through `two` counts at `one`'s next one.
     */
    describe('what another store changed is seen by the next verification', () => {
      const hotp = (counter: number) =>
        generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, counter);
      async function pair() {
        const one = await h.open();
        await importTokens(one, [hotpToken('H1')]);
        const two = await h.open();
        const v1 = new TokenVerifier({ store: one, ...verifierSettings() });
        const v2 = new TokenVerifier({ store: two, ...verifierSettings() });
        // `one` has verified the token once, so a store that keeps copies keeps this one.
        expect(await v1.verify('H1', hotp(0), { source: 'one' })).toMatchObject({
          status: 'accepted',
        });
        return { one, two, v1, v2 };
      }

      test('a code accepted by the other store is a replay here', async () => {
        const { one, v1, v2 } = await pair();
        expect(await v2.verify('H1', hotp(1), { source: 'two' })).toMatchObject({
          status: 'accepted',
        });
        expect(await v1.verify('H1', hotp(1), { source: 'one' })).toMatchObject({
          status: 'rejected',
          reason: 'replayed',
        });
        expect(await v1.verify('H1', hotp(2), { source: 'one' })).toMatchObject({
          status: 'accepted',
          matched: 2,
        });
        expect((await one.get('H1'))!.counter).toBe(3);
      });

      test('a pairing made by the other store holds here, and so does its undoing', async () => {
        const { two, v1 } = await pair();
        await two.pair('H1', 'alice', { source: 'two' });
        expect(await v1.verify('H1', hotp(1), { source: 'one', user: 'alice' })).toMatchObject({
          status: 'accepted',
        });
        await two.unpair('H1', { source: 'two' });
        expect(await v1.verify('H1', hotp(2), { source: 'one', user: 'alice' })).toEqual({
          status: 'not-found',
        });
        // Refused as not alice's: the code was not used up.
        expect(await v1.verify('H1', hotp(2), { source: 'one' })).toMatchObject({
          status: 'accepted',
        });
      });

      test('a lockout made at the other store holds here, and so does its lifting', async () => {
        const { one, two, v1, v2 } = await pair();
        for (let i = 0; i < v2.policy.maxFailures; i++) {
          await v2.verify('H1', '000000', { source: 'two' });
        }
        expect(await v1.verify('H1', hotp(1), { source: 'one' })).toMatchObject({
          status: 'locked',
        });
        expect((await one.get('H1'))!.counter).toBe(1);
        await two.unlock('H1', { source: 'admin' });
        expect(await v1.verify('H1', hotp(1), { source: 'one' })).toMatchObject({
          status: 'accepted',
        });
      });

      test('a failure is counted on the state the registry has, not on a stale copy', async () => {
        const { one, v1, v2 } = await pair();
        // `two` moves the counter past `one`'s look-ahead window.
        const window = verifierSettings().hotp.window;
        for (let c = 1; c <= window + 2; c++) {
          expect(await v2.verify('H1', hotp(c), { source: 'two' })).toMatchObject({
            status: 'accepted',
          });
        }
        const next = window + 3;
        expect(await v1.verify('H1', hotp(next), { source: 'one' })).toMatchObject({
          status: 'accepted',
          matched: next,
        });
        expect((await one.get('H1'))!.failCount).toBe(0);
      });

      test('a code used at the other store does not lift a lock here', async () => {
        const { one, two, v1, v2 } = await pair();
        await two.pair('H1', 'alice', { source: 'two' });
        expect(await v2.verify('H1', hotp(1), { source: 'two' })).toMatchObject({
          status: 'accepted',
        });
        for (let i = 0; i < v2.policy.maxFailures; i++) {
          await v2.verify('H1', '000000', { source: 'two' });
        }
        // One try despite the lock, with the code `two` has just used: it must not unlock.
        const outcome = await v1.verifyLockedForUser('alice', hotp(1), { source: 'one' });
        expect(outcome.outcome).toMatchObject({ status: 'locked' });
        expect((await one.get('H1'))!.lockedUntil).not.toBeNull();
        expect((await one.get('H1'))!.counter).toBe(2);
      });

      /** `one` has signed alice on with H1, so a store that remembers her tokens does. */
      async function signedOn() {
        const stores = await pair();
        await stores.two.pair('H1', 'alice', { source: 'two' });
        expect(
          (await stores.v1.verifyForUser('alice', hotp(1), { source: 'one' })).outcome,
        ).toMatchObject({ status: 'accepted' });
        return stores;
      }

      test('sign-on by user name: a token paired to the user at the other store signs on here', async () => {
        const { one, two, v1 } = await signedOn();
        const seed = new Uint8Array(20).fill(9);
        await importTokens(two, [hotpToken('H2', { secret: seed })]);
        await two.pair('H2', 'alice', { source: 'two' });
        const h2 = generateHotp({ secret: seed, algorithm: 'sha1', digits: 6 }, 0);
        expect((await v1.verifyForUser('alice', h2, { source: 'one' })).outcome).toMatchObject({
          status: 'accepted',
          serial: 'H2',
        });
        // Nothing was counted against her other token for it.
        expect((await one.get('H1'))!.failCount).toBe(0);
      });

      test("sign-on by user name: a token unpaired at the other store is not the user's here", async () => {
        const { one, two, v1 } = await signedOn();
        await two.unpair('H1', { source: 'two' });
        expect((await v1.verifyForUser('alice', hotp(2), { source: 'one' })).outcome).toEqual({
          status: 'not-found',
        });
        await two.pair('H1', 'bob', { source: 'two' });
        expect((await v1.verifyForUser('alice', hotp(2), { source: 'one' })).outcome).toEqual({
          status: 'not-found',
        });
        // Refused as not alice's: the code was not used up, and is bob's to use.
        expect((await v1.verifyForUser('bob', hotp(2), { source: 'one' })).outcome).toMatchObject({
          status: 'accepted',
        });
        expect((await one.get('H1'))!.counter).toBe(3);
      });

      test('sign-on by user name: a lockout or a used code from the other store holds here', async () => {
        const { one, v1, v2 } = await signedOn();
        expect((await v2.verifyForUser('alice', hotp(2), { source: 'two' })).outcome).toMatchObject(
          { status: 'accepted' },
        );
        expect((await v1.verifyForUser('alice', hotp(2), { source: 'one' })).outcome).toMatchObject(
          { status: 'rejected', reason: 'replayed' },
        );
        for (let i = 0; i < v2.policy.maxFailures; i++) {
          await v2.verifyForUser('alice', '000000', { source: 'two' });
        }
        expect((await v1.verifyForUser('alice', hotp(3), { source: 'one' })).outcome).toMatchObject(
          { status: 'locked' },
        );
        expect((await one.get('H1'))!.counter).toBe(3);
      });

      test('a seed replaced at the other store: the old seed is refused here', async () => {
        const { one, two, v1 } = await pair();
        const session = await two.beginImport({ replace: true, dryRun: false, source: 'two' });
        await session.add(hotpToken('H1', { secret: new Uint8Array(20).fill(7) }));
        await session.commit();
        expect(await v1.verify('H1', hotp(1), { source: 'one' })).toMatchObject({
          status: 'rejected',
        });
        const fresh = generateHotp(
          { secret: new Uint8Array(20).fill(7), algorithm: 'sha1', digits: 6 },
          0,
        );
        expect(await v1.verify('H1', fresh, { source: 'one' })).toMatchObject({
          status: 'accepted',
        });
        expect((await one.get('H1'))!.counter).toBe(1);
      });
    });
  });

  describe('beginImport', () => {
    const bad: Array<[string, Partial<ImportedToken>, RegExp]> = [
      ['empty serial', { serial: '' }, /line x: serial: expected 1\.\.50/],
      ['serial with a space', { serial: 'a b' }, /serial: expected/],
      ['51-char serial', { serial: 'x'.repeat(51) }, /serial: expected/],
      ['9-byte seed', { secret: new Uint8Array(9) }, /seed: expected 10\.\.64 bytes, got 9/],
      ['65-byte seed', { secret: new Uint8Array(65) }, /seed: expected 10\.\.64 bytes, got 65/],
      ['7 digits', { digits: 7 as 6 }, /digits: expected 6 or 8/],
      ['45 s period', { period: 45 as 30 }, /period: expected 30 or 60/],
      ['md5', { algorithm: 'md5' as 'sha1' }, /algorithm: expected/],
      ['negative counter', { counter: -1 }, /counter: expected a non-negative integer/],
      ['a public id on HOTP', { publicId: 'cccc' }, /apply to Yubico OTP only/],
    ];
    test.each(bad)(
      'refuses %s with IMPORT_INVALID naming the origin',
      async (_n, change, message) => {
        const store = await h.open();
        const session = await store.beginImport({ replace: false, dryRun: false, source: 't' });
        const error = await session.add(hotpToken('ok', { origin: 'line x', ...change })).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(TokenBridgeError);
        expect((error as TokenBridgeError).code).toBe(ErrorCode.IMPORT_INVALID);
        expect((error as Error).message).toMatch(message);
      },
    );

    const badYubico: Array<[string, Partial<ImportedToken>, RegExp]> = [
      ['a 15-byte AES key', { secret: new Uint8Array(15) }, /AES key: expected 16 bytes, got 15/],
      ['a 5-byte private id', { privateId: new Uint8Array(5) }, /private id: expected 6 bytes/],
      ['no private id', { privateId: undefined }, /private id: expected 6 bytes, got none/],
      ['a hex public id', { publicId: '0123' }, /public id: expected 2\.\.32 modhex/],
      ['an odd public id', { publicId: 'ccc' }, /public id/],
      ['a counter', { counter: 3 }, /do not apply to Yubico/],
    ];
    test.each(badYubico)('refuses a Yubico token with %s', async (_n, change, message) => {
      const store = await h.open();
      const session = await store.beginImport({ replace: false, dryRun: false, source: 't' });
      await expect(session.add({ ...yubicoToken('Y', 'cccc'), ...change })).rejects.toThrow(
        message,
      );
    });

    test('an existing serial fails the import unless replace, naming where it came from', async () => {
      const store = await h.open();
      await importTokens(store, [hotpToken('H1'), hotpToken('H2')]);
      const session = await store.beginImport({ replace: false, dryRun: false, source: 't' });
      await session.add(hotpToken('H3'));
      const err = await session
        .add(hotpToken('H1', { origin: 'line 12' }))
        .catch((e: unknown) => e);
      expect((err as TokenBridgeError).code).toBe(ErrorCode.TOKEN_EXISTS);
      expect((err as Error).message).toMatch(/^line 12: serial H1 is already in the registry/);
      // The failed add discarded the whole session: H3 is gone too, and the session is closed.
      await expect(session.commit()).rejects.toThrow(/already committed or rolled back/);
      await session.rollback();
      expect(await store.get('H3')).toBeNull();
      expect(await store.count()).toBe(2);
    });

    test.each([
      ['an import', false],
      ['a dry run', true],
    ])(
      'a serial %s repeats is refused as a repeat naming its first line, unless replace keeps the last',
      async (_what, dryRun) => {
        const store = await h.open();
        const once = await store.beginImport({ replace: false, dryRun, source: 't' });
        await once.add(hotpToken('H1', { origin: 'line 1' }));
        await once.add(hotpToken('H2', { origin: 'line 2' }));
        const err = await once.add(hotpToken('H1', { origin: 'line 3' })).catch((e: unknown) => e);
        expect((err as TokenBridgeError).code).toBe(ErrorCode.TOKEN_EXISTS);
        expect((err as Error).message).toBe(
          'line 3: serial H1 appears twice in this import (first at line 1; use --replace to keep the last one)',
        );
        await once.rollback();
        expect(await store.count()).toBe(0);

        const replace = await store.beginImport({ replace: true, dryRun, source: 't' });
        await replace.add(hotpToken('H1', { origin: 'line 1', counter: 1 }));
        await replace.add(hotpToken('H1', { origin: 'line 2', counter: 2 }));
        expect(await replace.commit()).toEqual({ added: 1, replaced: 0, dryRun });
        expect((await store.get('H1'))?.counter).toBe(dryRun ? undefined : 2);
      },
    );

    test('a serial that another import published meanwhile fails the commit, naming its line', async () => {
      const store = await h.open();
      const other = await h.open();
      const session = await store.beginImport({ replace: false, dryRun: false, source: 't' });
      await session.add(hotpToken('H1', { origin: 'line 3' }));
      await importTokens(other, [hotpToken('H1')]);
      await expect(session.commit()).rejects.toThrow(
        /^line 3: serial H1 is already in the registry/,
      );
      expect(await store.count()).toBe(1);
    });

    test('replace overwrites the secret and state but keeps the pairing', async () => {
      const store = await h.open();
      await importTokens(store, [hotpToken('H1', { counter: 5 })]);
      await store.pair('H1', 'alice', { source: 't' });
      const session = await store.beginImport({ replace: true, dryRun: false, source: 't' });
      await session.add(hotpToken('H1', { counter: 0, secret: new Uint8Array(20).fill(7) }));
      await session.add(hotpToken('H2'));
      expect(await session.commit()).toEqual({ added: 1, replaced: 1, dryRun: false });
      const loaded = await store.load('H1');
      expect(loaded!.record).toMatchObject({ counter: 0, user: 'alice' });
      expect([...loaded!.secret.secret]).toEqual(new Array(20).fill(7));
    });

    test('a dry run counts everything and changes nothing', async () => {
      const store = await h.open();
      await importTokens(store, [hotpToken('H1')]);
      const session = await store.beginImport({ replace: true, dryRun: true, source: 't' });
      await session.add(hotpToken('H1', { counter: 9 }));
      await session.add(hotpToken('H2'));
      expect(await session.commit()).toEqual({ added: 1, replaced: 1, dryRun: true });
      expect(await store.count()).toBe(1);
      expect((await store.get('H1'))!.counter).toBe(0);
      expect(await store.audit({ event: 'imported' })).toHaveLength(1); // the first import only
    });

    test('rollback discards the session; commit audits one row with the counts and source', async () => {
      const store = await h.open();
      const s1 = await store.beginImport({ replace: false, dryRun: false, source: 'a.csv (csv)' });
      await s1.add(hotpToken('H1'));
      await s1.rollback();
      expect(await store.count()).toBe(0);
      const s2 = await store.beginImport({ replace: false, dryRun: false, source: 'b.csv (csv)' });
      await s2.add(hotpToken('H1'));
      await s2.add(totpToken('T1', { drift: -2 }));
      await s2.commit();
      const rows = await store.audit({ event: 'imported' });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        source: 'b.csv (csv)',
        serial: null,
        detail: { added: 2, replaced: 0 },
      });
      expect((await store.get('T1'))!.drift).toBe(-2);
    });

    test('a public id already used by another serial is refused', async () => {
      const store = await h.open();
      await importTokens(store, [yubicoToken('Y1', 'dteffuje')]);
      const session = await store.beginImport({ replace: true, dryRun: false, source: 't' });
      await expect(session.add(yubicoToken('Y2', 'dteffuje'))).rejects.toThrow(
        /row Y2: public id dteffuje already belongs to token Y1/,
      );
    });

    test('while an import is staged, the registry keeps working and sees none of it', async () => {
      const store = await h.open();
      await importTokens(store, [hotpToken('H1')]);
      const verifier = new TokenVerifier({ store, ...verifierSettings() });
      const session = await store.beginImport({ replace: false, dryRun: false, source: 't' });
      await session.add(hotpToken('H2'));
      // Staging holds no lock on the registry: a verification commits meanwhile.
      expect(await verifier.verify('H1', '755224', { source: 't' })).toMatchObject({
        status: 'accepted',
      });
      expect(await store.get('H2')).toBeNull();
      await session.commit();
      expect(await store.get('H2')).not.toBeNull();
      expect((await store.get('H1'))!.counter).toBe(1);
    });

    test('closing the store discards an import still open', async () => {
      const store = await h.open();
      const session = await store.beginImport({ replace: false, dryRun: false, source: 't' });
      await session.add(hotpToken('H9'));
      await store.close();
      const again = await h.open();
      expect(await again.count()).toBe(0);
    });

    test('a second session on the same store is refused while one is open', async () => {
      const store = await h.open();
      const s1 = await store.beginImport({ replace: false, dryRun: false, source: 't' });
      expect(await codeOf(store.beginImport({ replace: false, dryRun: false, source: 't' }))).toBe(
        ErrorCode.STORE_IO,
      );
      await s1.rollback();
      const s2 = await store.beginImport({ replace: false, dryRun: false, source: 't' });
      await s2.rollback();
    });
  });

  describe('copy sessions', () => {
    test('a registry copied into another keeps tokens, state, pairings and audit', async () => {
      const from = await h.open({ nodeName: 'kiosk-a' });
      await importTokens(from, [hotpToken('H1', { counter: 3 }), yubicoToken('Y1', 'dteffuje')]);
      await from.pair('H1', 'alice', { source: 't' });
      const to: RegistryStore = await h.open();
      // The same registry cannot receive its own tokens: a copy never merges over.
      const clash = await to.beginCopy();
      const snapshot = await from.snapshot();
      for await (const token of snapshot.tokens()) await clash.addToken(token);
      await snapshot.close();
      expect(await codeOf(clash.commit())).toBe(ErrorCode.TOKEN_EXISTS);
      expect(await to.count()).toBe(2);
    });
  });
});
