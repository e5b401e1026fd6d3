import { generateHotp, resyncTotp, verifyTotp, type TotpParams } from '../../../src/otp';
import { stepStartMs } from './helpers';

const P: TotpParams = {
  secret: new Uint8Array(Buffer.from('3132333435363738393031323334353637383930', 'hex')),
  algorithm: 'sha1',
  digits: 6,
  period: 30,
};
const NOW_STEP = 56_666_666; // about 2023-11
const NOW = stepStartMs(NOW_STEP) + 12_345;
/** A TOTP code is the HOTP code of the step. */
const at = (step: number) => generateHotp(P, step);
const fresh = { lastStep: null, drift: 0 };

describe('verifyTotp', () => {
  test.each([-1, 0, 1])('accepts the step at offset %d, learning the drift', (offset) => {
    expect(verifyTotp(P, fresh, at(NOW_STEP + offset), NOW)).toEqual({
      valid: true,
      matched: NOW_STEP + offset,
      drift: offset,
      next: { lastStep: NOW_STEP + offset, drift: offset },
    });
  });

  test('the window is centred on the learned drift', () => {
    const state = { lastStep: NOW_STEP - 100, drift: 5 };
    expect(verifyTotp(P, state, at(NOW_STEP + 6), NOW)).toEqual({
      valid: true,
      matched: NOW_STEP + 6,
      drift: 1,
      next: { lastStep: NOW_STEP + 6, drift: 6 },
    });
    expect(verifyTotp(P, state, at(NOW_STEP), NOW)).toMatchObject({
      reason: 'needs-next-passcode',
      candidate: NOW_STEP,
    });
  });

  test('the same code is never accepted twice', () => {
    const first = verifyTotp(P, fresh, at(NOW_STEP), NOW);
    if (!first.valid) throw new Error('expected acceptance');
    expect(verifyTotp(P, first.next, at(NOW_STEP), NOW)).toEqual({
      valid: false,
      reason: 'replayed',
    });
    // An earlier step inside the window is refused too: it is not after the last accepted step.
    expect(verifyTotp(P, first.next, at(NOW_STEP - 1), NOW)).toEqual({
      valid: false,
      reason: 'replayed',
    });
    expect(verifyTotp(P, first.next, at(NOW_STEP + 1), NOW)).toMatchObject({ valid: true });
  });

  test('outside the window but within the resync steps asks for the next passcode', () => {
    expect(verifyTotp(P, fresh, at(NOW_STEP + 2), NOW)).toEqual({
      valid: false,
      reason: 'needs-next-passcode',
      candidate: NOW_STEP + 2,
    });
    expect(verifyTotp(P, fresh, at(NOW_STEP - 120), NOW)).toMatchObject({
      candidate: NOW_STEP - 120,
    });
    expect(verifyTotp(P, fresh, at(NOW_STEP + 121), NOW)).toEqual({
      valid: false,
      reason: 'wrong',
    });
    expect(verifyTotp(P, fresh, at(NOW_STEP + 121), NOW, { resyncWindow: 1000 })).toMatchObject({
      candidate: NOW_STEP + 121,
    });
  });

  test('an old code inside the resync steps is replayed, not a resync candidate', () => {
    expect(verifyTotp(P, { lastStep: NOW_STEP - 5, drift: 0 }, at(NOW_STEP - 10), NOW)).toEqual({
      valid: false,
      reason: 'replayed',
    });
  });

  test('60 s steps and 8 digits', () => {
    const params: TotpParams = { ...P, period: 60, digits: 8, algorithm: 'sha512' };
    const step = Math.floor(NOW / 60_000);
    const otp = generateHotp(params, step);
    expect(verifyTotp(params, fresh, otp, NOW)).toMatchObject({ valid: true, matched: step });
  });
});

describe('resyncTotp', () => {
  test('two consecutive steps far from the clock learn the drift and burn both steps', () => {
    const s = NOW_STEP + 80;
    const result = resyncTotp(P, fresh, at(s), at(s + 1), NOW);
    expect(result).toEqual({
      ok: true,
      matched: s + 1,
      drift: 81,
      next: { lastStep: s + 1, drift: 81 },
    });
    if (!result.ok) throw new Error('unreachable');
    expect(verifyTotp(P, result.next, at(s), NOW)).toMatchObject({ reason: 'replayed' });
    expect(verifyTotp(P, result.next, at(s + 1), NOW)).toMatchObject({ reason: 'replayed' });
    // The next window is centred on the learned drift.
    expect(verifyTotp(P, result.next, at(s + 2), NOW)).toMatchObject({ valid: true, drift: 1 });
  });

  test('a token running behind is found too', () => {
    const s = NOW_STEP - 100;
    expect(resyncTotp(P, fresh, at(s), at(s + 1), NOW)).toMatchObject({
      ok: true,
      next: { lastStep: s + 1, drift: -99 },
    });
  });

  test('steps at or before the last accepted one are replayed', () => {
    const s = NOW_STEP - 10;
    expect(resyncTotp(P, { lastStep: s + 1, drift: 0 }, at(s), at(s + 1), NOW)).toEqual({
      ok: false,
      reason: 'replayed',
    });
  });

  test('non-consecutive and out-of-range pairs', () => {
    expect(resyncTotp(P, fresh, at(NOW_STEP + 5), at(NOW_STEP + 7), NOW)).toEqual({
      ok: false,
      reason: 'not-consecutive',
    });
    expect(resyncTotp(P, fresh, at(NOW_STEP + 200), at(NOW_STEP + 201), NOW)).toEqual({
      ok: false,
      reason: 'wrong',
    });
    expect(
      resyncTotp(P, fresh, at(NOW_STEP + 200), at(NOW_STEP + 201), NOW, { searchSteps: 1000 }),
    ).toMatchObject({ ok: true, matched: NOW_STEP + 201 });
  });
});
