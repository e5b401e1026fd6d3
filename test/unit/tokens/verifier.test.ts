import { PassThrough } from 'node:stream';
import { createLogger } from '../../../src/core';
import { encodeYubicoOtp, generateHotp } from '../../../src/otp';
import { TokenVerifier, type RegistryStore, type TokenOutcome } from '../../../src/tokens';
import { storeHarnesses } from '../../contract/store-harness';
import { RFC4226_VECTORS } from '../../vectors/rfc4226';
import { RFC6238_VECTORS } from '../../vectors/rfc6238';
import { YUBICO_OTP_VECTORS } from '../../vectors/yubico-otp';
import {
  hotpToken,
  importTokens,
  RFC_SEED,
  totpToken,
  YUBICO_AES_KEY,
  yubicoToken,
} from './registry-fixtures';
import { ManualClock } from '../../helpers/manual-clock';
import { verifierSettings } from '../../helpers/config';

const CLI = { source: 'test' };
const HOTP = { secret: RFC_SEED, algorithm: 'sha1', digits: 6 } as const;
const code = (counter: number) => RFC4226_VECTORS[counter]?.otp ?? generateHotp(HOTP, counter);

describe.each(storeHarnesses())('the verifier over the %s store', (_name, h) => {
  let clock: ManualClock;
  let store: RegistryStore;
  let verifier: TokenVerifier;

  beforeEach(async () => {
    await h.setup();
    clock = new ManualClock(1_700_000_000_000);
    store = await h.open({ clock });
    verifier = new TokenVerifier({ store, clock, ...verifierSettings() });
  });
  afterEach(() => h.teardown());

  describe('HOTP through the real engine (RFC 4226 seed)', () => {
    beforeEach(() => importTokens(store, [hotpToken('H1')]));

    test('accepts the RFC codes in order and stores counter + 1', async () => {
      for (const { counter, otp } of RFC4226_VECTORS.slice(0, 4)) {
        expect(await verifier.verify('H1', otp, CLI)).toEqual({
          status: 'accepted',
          serial: 'H1',
          matched: counter,
          drift: 0,
        });
      }
      expect((await store.get('H1'))!.counter).toBe(4);
    });

    test('a code used once is refused as replayed, and that counts as a failure', async () => {
      await verifier.verify('H1', '755224', CLI);
      expect(await verifier.verify('H1', '755224', CLI)).toEqual({
        status: 'rejected',
        serial: 'H1',
        reason: 'replayed',
        attemptsLeft: 2,
        lockedUntil: null,
      });
    });

    test('skipping ahead inside the window is accepted with its drift', async () => {
      expect(await verifier.verify('H1', '254676', CLI)).toMatchObject({ matched: 5, drift: 5 });
      expect(await verifier.verify('H1', '287082', CLI)).toMatchObject({ reason: 'replayed' });
    });

    test('far ahead asks for the next passcode; resync with two consecutive codes moves on', async () => {
      expect(await verifier.verify('H1', code(50), CLI)).toEqual({
        status: 'needs-next-passcode',
        serial: 'H1',
      });
      expect((await store.get('H1'))!.failCount).toBe(0);
      expect(await verifier.resync('H1', code(50), code(52), CLI)).toMatchObject({
        status: 'rejected',
        reason: 'not-consecutive',
      });
      expect(await verifier.resync('H1', code(50), code(51), CLI)).toMatchObject({
        status: 'accepted',
        matched: 51,
      });
      expect((await store.get('H1'))!).toMatchObject({ counter: 52, failCount: 0 });
      expect(await verifier.verify('H1', code(51), CLI)).toMatchObject({ reason: 'replayed' });
      expect(await verifier.verify('H1', code(52), CLI)).toMatchObject({ status: 'accepted' });
      expect((await store.audit({ event: 'resynced' })).map((e) => e.detail)).toEqual([
        { kind: 'hotp', matched: 51, drift: 51 },
      ]);
    });

    test('wrong and malformed codes are rejected with the reason', async () => {
      expect(await verifier.verify('H1', '000000', CLI)).toMatchObject({ reason: 'wrong' });
      expect(await verifier.verify('H1', '12345', CLI)).toMatchObject({ reason: 'malformed' });
      expect(await verifier.verify('H1', '7'.repeat(65), CLI)).toMatchObject({
        reason: 'malformed',
      });
    });

    test.each([
      ['letters', 'abc'],
      ['too short', '12345'],
      ['the wrong length for this token', '12345678'],
      ['a Yubico OTP', 'vvcccchnkghl' + 'c'.repeat(32)],
      ['nothing', ''],
    ])('a malformed passcode (%s) uses up no attempt; a wrong one does', async (_what, otp) => {
      for (let i = 0; i < 5; i++)
        expect(await verifier.verify('H1', otp, CLI)).toEqual({
          status: 'rejected',
          serial: 'H1',
          reason: 'malformed',
          attemptsLeft: 3,
          lockedUntil: null,
        });
      expect((await store.get('H1'))!).toMatchObject({ failCount: 0, lockedUntil: null });
      expect(await verifier.verify('H1', '000000', CLI)).toMatchObject({ attemptsLeft: 2 });
    });

    test('an unknown serial, or a token paired to someone else, is not found', async () => {
      expect(await verifier.verify('nope', '755224', CLI)).toEqual({ status: 'not-found' });
      await store.pair('H1', 'alice', CLI);
      expect(await verifier.verify('H1', '755224', { ...CLI, user: 'bob' })).toEqual({
        status: 'not-found',
      });
      expect(await verifier.verify('H1', '755224', { ...CLI, user: 'alice' })).toMatchObject({
        status: 'accepted',
      });
    });
  });

  describe('TOTP with an injected clock (RFC 6238 seed, 8 digits)', () => {
    const sha1 = RFC6238_VECTORS.filter((v) => v.algorithm === 'sha1');
    beforeEach(() => importTokens(store, [totpToken('T1', { digits: 8 })]));

    test.each(sha1)('at $time s accepts $otp once', async ({ time, otp }) => {
      clock.ms = time * 1000;
      expect(await verifier.verify('T1', otp, CLI)).toMatchObject({ status: 'accepted', drift: 0 });
      expect((await store.get('T1'))!.lastStep).toBe(Math.floor(time / 30));
      expect(await verifier.verify('T1', otp, CLI)).toMatchObject({ reason: 'replayed' });
    });

    test('a code one step old is accepted and its drift learned', async () => {
      clock.ms = 89_000; // one step after the code for 59 s
      expect(await verifier.verify('T1', '94287082', CLI)).toMatchObject({ matched: 1, drift: -1 });
      expect((await store.get('T1'))!).toMatchObject({ lastStep: 1, drift: -1 });
    });
  });

  describe('Yubico OTP taps', () => {
    const vector = YUBICO_OTP_VECTORS[0]!;
    beforeEach(() => importTokens(store, [yubicoToken('Y1', vector.publicId)]));

    test('found by public id, accepted once, then replayed', async () => {
      expect(await verifier.verifyByPublicId(vector.otp, CLI)).toMatchObject({
        status: 'accepted',
        serial: 'Y1',
        matched: 19,
      });
      expect(await store.get('Y1')).toMatchObject({ yubicoUsage: 19, yubicoSession: 17 });
      expect(await verifier.verifyByPublicId(vector.otp, CLI)).toMatchObject({
        reason: 'replayed',
      });
      const next = encodeYubicoOtp(
        vector.publicId,
        {
          privateId: vector.privateId,
          usage: 19,
          session: 18,
          timestampLow: 1,
          timestampHigh: 0,
          random: 2,
          triggeredByHidReport: false,
        },
        YUBICO_AES_KEY,
      );
      expect(await verifier.verifyByPublicId(next, CLI)).toMatchObject({ status: 'accepted' });
    });

    test('by serial, an OTP carrying another public id is refused', async () => {
      const foreign = 'cccccccc' + vector.otp.slice(-32);
      expect(await verifier.verify('Y1', foreign, CLI)).toMatchObject({ reason: 'wrong' });
      expect(await verifier.verify('Y1', vector.otp.toUpperCase(), CLI)).toMatchObject({
        status: 'accepted',
      });
    });

    test('an unknown public id or a short string is not found', async () => {
      expect(await verifier.verifyByPublicId('cccccccc' + vector.otp.slice(-32), CLI)).toEqual({
        status: 'not-found',
      });
      expect(await verifier.verifyByPublicId('755224', CLI)).toEqual({ status: 'not-found' });
    });

    test('resync does not apply', async () => {
      await expect(verifier.resync('Y1', vector.otp, vector.otp, CLI)).rejects.toThrow(
        /resync applies to HOTP and TOTP/,
      );
    });
  });

  describe('lockout (injected clock)', () => {
    beforeEach(() => importTokens(store, [hotpToken('H1')]));
    const wrong = () => verifier.verify('H1', '000000', CLI);

    async function lockOnce(): Promise<TokenOutcome> {
      await wrong();
      await wrong();
      return wrong();
    }

    test('the 3rd consecutive failure locks for 2 minutes; locked tokens refuse even good codes', async () => {
      expect(await wrong()).toMatchObject({ attemptsLeft: 2 });
      expect(await wrong()).toMatchObject({ attemptsLeft: 1 });
      expect(await wrong()).toMatchObject({ attemptsLeft: 0, lockedUntil: clock.ms + 120_000 });
      await clock.advance(119_999);
      expect(await verifier.verify('H1', '755224', CLI)).toEqual({
        status: 'locked',
        serial: 'H1',
        until: clock.ms + 1,
        retryAfterMs: 1,
      });
      await clock.advance(1);
      expect(await verifier.verify('H1', '755224', CLI)).toMatchObject({ status: 'accepted' });
      expect(await store.get('H1')).toMatchObject({
        failCount: 0,
        lockCount: 0,
        lockedUntil: null,
      });
    });

    test('each further lock doubles, up to the maximum', async () => {
      const capped = new TokenVerifier({
        store,
        clock,
        ...verifierSettings({ lockout: { maxMs: 300_000 } }),
      });
      const lengths: number[] = [];
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 2; j++) await capped.verify('H1', '000000', CLI);
        const outcome = await capped.verify('H1', '000000', CLI);
        if (outcome.status !== 'rejected' || outcome.lockedUntil === null)
          throw new Error('no lock');
        lengths.push(outcome.lockedUntil - clock.ms);
        await clock.advance(outcome.lockedUntil - clock.ms);
      }
      expect(lengths).toEqual([120_000, 240_000, 300_000, 300_000]);
    });

    test('a success resets the growth; unlock clears a lock', async () => {
      await lockOnce();
      await clock.advance(120_000);
      await verifier.verify('H1', '755224', CLI);
      const again = await lockOnce();
      expect(again).toMatchObject({ lockedUntil: clock.ms + 120_000 });
      expect(await store.unlock('H1', CLI)).toBe(true);
      expect(await verifier.verify('H1', '287082', CLI)).toMatchObject({ status: 'accepted' });
      expect((await store.audit({ serial: 'H1' })).map((e) => e.event)).toEqual([
        'failed',
        'failed',
        'failed',
        'locked',
        'verified',
        'failed',
        'failed',
        'failed',
        'locked',
        'unlocked',
        'verified',
      ]);
    });

    test('thresholds are configurable', async () => {
      const strict = new TokenVerifier({
        store,
        clock,
        ...verifierSettings({ lockout: { maxFailures: 1, baseMs: 1000 } }),
      });
      expect(await strict.verify('H1', '000000', CLI)).toMatchObject({
        attemptsLeft: 0,
        lockedUntil: clock.ms + 1000,
      });
      const zero = { ...verifierSettings().lockout, maxFailures: 0 };
      expect(() => new TokenVerifier({ store, lockout: zero })).toThrow(/maxFailures/);
    });
  });

  describe('concurrent verification of one code', () => {
    beforeEach(() => importTokens(store, [hotpToken('H1')]));

    test('two verifiers on two connections to one file: exactly one accepts each code', async () => {
      const other = await h.open({ clock });
      const second = new TokenVerifier({ store: other, clock, ...verifierSettings() });
      try {
        for (let counter = 0; counter < 10; counter++) {
          const outcomes = await Promise.all([
            verifier.verify('H1', code(counter), CLI),
            second.verify('H1', code(counter), CLI),
          ]);
          const statuses = outcomes.map((o) => o.status).sort();
          expect(statuses).toEqual(['accepted', 'rejected']);
          expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({
            reason: 'replayed',
          });
          await store.unlock('H1', CLI); // the losers' failures would lock the token otherwise
        }
        expect((await store.get('H1'))!.counter).toBe(10);
        expect(await store.audit({ event: 'verified', limit: 1000 })).toHaveLength(10);
      } finally {
        await other.close();
      }
    });
  });

  test('logs name the serial and the outcome, never the passcode or the seed', async () => {
    await importTokens(store, [hotpToken('H1')]);
    const sink = new PassThrough();
    let logged = '';
    sink.on('data', (d: Buffer) => (logged += d.toString()));
    const logger = createLogger({ level: 'trace', destination: sink });
    const logging = new TokenVerifier({ store, clock, logger, ...verifierSettings() });
    await logging.verify('H1', '755224', CLI);
    await logging.verify('H1', '755224', CLI);
    await logging.resync('H1', code(30), code(31), CLI);
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).toContain('"serial":"H1"');
    expect(logged).toContain('"outcome":"accepted"');
    for (const secret of ['755224', code(30), code(31), '12345678901234567890', '3132333435']) {
      expect(logged).not.toContain(secret);
    }
  });
});
