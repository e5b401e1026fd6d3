import fc from 'fast-check';
import {
  generateHotp,
  PasscodeScanner,
  resyncHotp,
  resyncTotp,
  verifyHotp,
  verifyTotp,
  verifyYubicoOtp,
  encodeYubicoOtp,
  type HotpParams,
  type TotpParams,
  type YubicoState,
} from '../../../src/otp';
import { NODE_CRYPTO } from '../../../src/otp/otplib-config';
import type { CryptoPlugin } from '@otplib/core';

const RUNS = { numRuns: 60 };

const hotpParams: fc.Arbitrary<HotpParams> = fc.record({
  secret: fc.uint8Array({ minLength: 10, maxLength: 64 }),
  algorithm: fc.constantFrom('sha1' as const, 'sha256' as const, 'sha512' as const),
  digits: fc.constantFrom(6 as const, 8 as const),
});
const totpParams: fc.Arbitrary<TotpParams> = hotpParams.chain((p) =>
  fc.constantFrom(30 as const, 60 as const).map((period) => ({ ...p, period })),
);
const counter = fc.integer({ min: 0, max: 2 ** 40 });

/** True when `code` is produced by no counter in [from, to) other than `at` (codes can collide). */
function uniqueIn(params: HotpParams, code: string, at: number, from: number, to: number): boolean {
  const [hits] = new PasscodeScanner().scan(params, [code], from, to - from);
  return hits!.length === 1 && hits![0] === at;
}

describe('properties', () => {
  test("the engine's window loop computes exactly otplib's codes", () => {
    fc.assert(
      fc.property(hotpParams, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 10 }), (p, c) => {
        const codes = [0, 1, 2].map((k) => generateHotp(p, c + k));
        const matches = new PasscodeScanner().scan(p, codes, c, 3);
        matches.forEach((found, k) => expect(found).toContain(c + k));
      }),
      { numRuns: 200 },
    );
  });

  test('firstMatch gives the lowest counter scan finds, or none, for any passcode and run', () => {
    fc.assert(
      fc.property(
        hotpParams,
        counter,
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: -5, max: 35 }),
        (p, c, count, k) => {
          // A code from inside the run, from just outside it, or made up.
          const otp = k < 0 ? '0'.repeat(p.digits) : generateHotp(p, Math.max(0, c + k));
          const scanner = new PasscodeScanner();
          expect(scanner.firstMatch(p, otp, c, count)).toBe(
            scanner.scan(p, [otp], c, count)[0]![0],
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  test('firstMatch computes no code after a match, and every code of the run on a miss', () => {
    let hmacs = 0;
    const counting: CryptoPlugin = {
      ...NODE_CRYPTO,
      name: 'counting',
      hmac: (algorithm, key, data) => {
        hmacs++;
        return NODE_CRYPTO.hmac(algorithm, key, data);
      },
    };
    const scanner = new PasscodeScanner(counting);
    const p: HotpParams = { secret: new Uint8Array(20).fill(7), algorithm: 'sha1', digits: 6 };
    const table = [
      { k: 0, expected: 1 },
      { k: 3, expected: 4 },
      { k: 9, expected: 10 },
    ];
    for (const { k, expected } of table) {
      hmacs = 0;
      const otp = generateHotp(p, 100 + k);
      // This seed's code at 100 + k appears nowhere earlier in the run.
      expect(new PasscodeScanner().scan(p, [otp], 100, k)[0]).toEqual([]);
      expect(scanner.firstMatch(p, otp, 100, 10)).toBe(100 + k);
      expect(hmacs).toBe(expected);
    }
    hmacs = 0;
    let n = 0;
    while (new PasscodeScanner().scan(p, [String(n).padStart(6, '0')], 100, 10)[0]!.length > 0) n++;
    const absent = String(n).padStart(6, '0');
    expect(scanner.firstMatch(p, absent, 100, 10)).toBeUndefined();
    expect(hmacs).toBe(10);
  });

  test('HOTP: a code at c+k inside the window is accepted with drift k, then replayed', () => {
    fc.assert(
      fc.property(
        hotpParams,
        counter,
        fc.integer({ min: 1, max: 100 }),
        fc.nat(99),
        (p, c, w, k0) => {
          const k = k0 % w;
          const otp = generateHotp(p, c + k);
          fc.pre(uniqueIn(p, otp, c + k, Math.max(0, c - w), c + k + 1 + w));
          const result = verifyHotp(p, { counter: c }, otp, { window: w, resyncWindow: 0 });
          expect(result).toEqual({
            valid: true,
            matched: c + k,
            drift: k,
            next: { counter: c + k + 1 },
          });
          if (!result.valid) return;
          expect(verifyHotp(p, result.next, otp, { window: w, resyncWindow: 0 })).toEqual({
            valid: false,
            reason: 'replayed',
          });
        },
      ),
      RUNS,
    );
  });

  test('HOTP: a code beyond the window but inside the resync window is never accepted', () => {
    fc.assert(
      fc.property(hotpParams, counter, fc.integer({ min: 10, max: 999 }), (p, c, d) => {
        const otp = generateHotp(p, c + d);
        fc.pre(uniqueIn(p, otp, c + d, Math.max(0, c - 10), c + 1000));
        expect(verifyHotp(p, { counter: c }, otp)).toEqual({
          valid: false,
          reason: 'needs-next-passcode',
          candidate: c + d,
        });
      }),
      RUNS,
    );
  });

  test('HOTP: resync with consecutive codes succeeds and both are then refused', () => {
    fc.assert(
      fc.property(hotpParams, counter, fc.integer({ min: 0, max: 998 }), (p, c, d) => {
        const otp1 = generateHotp(p, c + d);
        const otp2 = generateHotp(p, c + d + 1);
        fc.pre(
          uniqueIn(p, otp1, c + d, c, c + d + 12) && uniqueIn(p, otp2, c + d + 1, c, c + d + 12),
        );
        const result = resyncHotp(p, { counter: c }, otp1, otp2);
        expect(result).toMatchObject({ ok: true, next: { counter: c + d + 2 } });
        if (!result.ok) return;
        for (const otp of [otp1, otp2]) {
          expect(verifyHotp(p, result.next, otp)).toEqual({ valid: false, reason: 'replayed' });
        }
        expect(resyncHotp(p, result.next, otp1, otp2)).toMatchObject({ ok: false });
      }),
      RUNS,
    );
  });

  test('TOTP: resync with consecutive steps succeeds and both are then refused', () => {
    fc.assert(
      fc.property(
        totpParams,
        fc.integer({ min: 1_000_000, max: 60_000_000 }),
        fc.integer({ min: -120, max: 119 }),
        (p, nowStep, d) => {
          const nowMs = nowStep * p.period * 1000;
          const s = nowStep + d;
          const otp1 = generateHotp(p, s);
          const otp2 = generateHotp(p, s + 1);
          fc.pre(uniqueIn(p, otp1, s, s - 2, s + 4) && uniqueIn(p, otp2, s + 1, s - 2, s + 4));
          const result = resyncTotp(p, { lastStep: null, drift: 0 }, otp1, otp2, nowMs);
          expect(result).toEqual({
            ok: true,
            matched: s + 1,
            drift: d + 1,
            next: { lastStep: s + 1, drift: d + 1 },
          });
          if (!result.ok) return;
          for (const otp of [otp1, otp2]) {
            expect(verifyTotp(p, result.next, otp, nowMs)).toMatchObject({ valid: false });
          }
        },
      ),
      RUNS,
    );
  });

  test('TOTP: whatever the sequence of attempts, no step is accepted twice', () => {
    const attempt = fc.record({
      advanceSteps: fc.integer({ min: 0, max: 2 }),
      offset: fc.integer({ min: -2, max: 2 }),
      replayEarlier: fc.boolean(),
    });
    fc.assert(
      fc.property(totpParams, fc.array(attempt, { minLength: 1, maxLength: 25 }), (p, attempts) => {
        let nowStep = 50_000_000;
        let state = { lastStep: null as number | null, drift: 0 };
        const accepted: number[] = [];
        for (const a of attempts) {
          nowStep += a.advanceSteps;
          const nowMs = nowStep * p.period * 1000;
          const step =
            a.replayEarlier && accepted.length > 0
              ? accepted[accepted.length - 1]!
              : nowStep + a.offset;
          const result = verifyTotp(p, state, generateHotp(p, step), nowMs, { resyncWindow: 0 });
          if (result.valid) {
            expect(accepted).not.toContain(result.matched);
            if (accepted.length > 0) expect(result.matched).toBeGreaterThan(accepted.at(-1)!);
            accepted.push(result.matched);
            state = { ...result.next };
          }
        }
      }),
      RUNS,
    );
  });

  test('Yubico: accepted (usage, session) pairs strictly increase', () => {
    const aesKey = new Uint8Array(16).fill(0x5a);
    const privateId = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const pair = fc.record({
      usage: fc.integer({ min: 0, max: 6 }),
      session: fc.integer({ min: 0, max: 6 }),
    });
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 30 }), (pairs) => {
        let state: YubicoState = { usage: null, session: null };
        let last: { usage: number; session: number } | null = null;
        for (const { usage, session } of pairs) {
          const otp = encodeYubicoOtp(
            'vvcccccccccc',
            {
              privateId: '010203040506',
              usage,
              session,
              timestampLow: 0,
              timestampHigh: 0,
              random: 0,
              triggeredByHidReport: false,
            },
            aesKey,
          );
          const result = verifyYubicoOtp({ aesKey, privateId }, state, otp);
          const greater =
            last === null || usage > last.usage || (usage === last.usage && session > last.session);
          expect(result.valid).toBe(greater);
          if (result.valid) {
            state = result.next;
            last = { usage, session };
          } else {
            expect(result).toEqual({ valid: false, reason: 'replayed' });
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
