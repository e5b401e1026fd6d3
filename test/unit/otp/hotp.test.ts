import { generateHotp, resyncHotp, verifyHotp, type HotpParams } from '../../../src/otp';
import { RFC4226_VECTORS } from '../../vectors/rfc4226';
import { RFC4226_PARAMS } from './helpers';

const P = RFC4226_PARAMS;
const code = (counter: number, params: HotpParams = P) => generateHotp(params, counter);

describe('verifyHotp window', () => {
  test('a code at the last counter of the window is accepted with its drift', () => {
    expect(verifyHotp(P, { counter: 100 }, code(109))).toEqual({
      valid: true,
      matched: 109,
      drift: 9,
      next: { counter: 110 },
    });
  });

  test('a code just past the window asks for the next passcode', () => {
    expect(verifyHotp(P, { counter: 100 }, code(110))).toEqual({
      valid: false,
      reason: 'needs-next-passcode',
      candidate: 110,
    });
  });

  test('a smaller window narrows what is accepted', () => {
    expect(verifyHotp(P, { counter: 0 }, code(1), { window: 1 })).toMatchObject({
      valid: false,
      reason: 'needs-next-passcode',
      candidate: 1,
    });
    expect(verifyHotp(P, { counter: 0 }, code(0), { window: 1 })).toMatchObject({ valid: true });
  });

  test('the resync window ends at state.counter + resyncWindow - 1', () => {
    expect(verifyHotp(P, { counter: 0 }, code(999))).toMatchObject({ candidate: 999 });
    expect(verifyHotp(P, { counter: 0 }, code(1000))).toEqual({ valid: false, reason: 'wrong' });
    expect(verifyHotp(P, { counter: 0 }, code(50), { resyncWindow: 0 })).toEqual({
      valid: false,
      reason: 'wrong',
    });
  });

  test('a code below the stored counter is replayed', () => {
    const first = verifyHotp(P, { counter: 0 }, RFC4226_VECTORS[4]!.otp);
    expect(first).toMatchObject({ valid: true, next: { counter: 5 } });
    if (!first.valid) throw new Error('unreachable');
    expect(verifyHotp(P, first.next, RFC4226_VECTORS[4]!.otp)).toEqual({
      valid: false,
      reason: 'replayed',
    });
    expect(verifyHotp(P, first.next, RFC4226_VECTORS[0]!.otp)).toEqual({
      valid: false,
      reason: 'replayed',
    });
  });

  test('a wrong code is wrong', () => {
    const wrong = RFC4226_VECTORS.map((v) => v.otp).includes('000000') ? '000001' : '000000';
    expect(verifyHotp(P, { counter: 0 }, wrong)).toEqual({ valid: false, reason: 'wrong' });
  });

  test('10-byte seeds work (and 8 digits, SHA-256)', () => {
    const params: HotpParams = {
      secret: new Uint8Array(10).fill(7),
      algorithm: 'sha256',
      digits: 8,
    };
    const otp = code(42, params);
    expect(otp).toMatch(/^\d{8}$/);
    expect(verifyHotp(params, { counter: 40 }, otp)).toMatchObject({ valid: true, matched: 42 });
  });
});

describe('resyncHotp', () => {
  test('two consecutive codes far ahead move the counter past both', () => {
    const result = resyncHotp(P, { counter: 3 }, code(503), code(504));
    expect(result).toEqual({ ok: true, matched: 504, drift: 501, next: { counter: 505 } });
    if (!result.ok) throw new Error('unreachable');
    expect(verifyHotp(P, result.next, code(503))).toEqual({ valid: false, reason: 'replayed' });
    expect(verifyHotp(P, result.next, code(504))).toEqual({ valid: false, reason: 'replayed' });
    expect(verifyHotp(P, result.next, code(505))).toMatchObject({ valid: true, matched: 505 });
  });

  test('codes out of order or with a gap are not consecutive', () => {
    expect(resyncHotp(P, { counter: 0 }, code(504), code(503))).toEqual({
      ok: false,
      reason: 'not-consecutive',
    });
    expect(resyncHotp(P, { counter: 0 }, code(503), code(505))).toEqual({
      ok: false,
      reason: 'not-consecutive',
    });
    expect(resyncHotp(P, { counter: 0 }, code(503), code(503))).toEqual({
      ok: false,
      reason: 'not-consecutive',
    });
  });

  test('a pair beyond the search window is wrong', () => {
    expect(resyncHotp(P, { counter: 0 }, code(1000), code(1001))).toEqual({
      ok: false,
      reason: 'wrong',
    });
    expect(resyncHotp(P, { counter: 0 }, code(999), code(1000))).toMatchObject({
      ok: true,
      next: { counter: 1001 },
    });
    expect(resyncHotp(P, { counter: 0 }, code(20), code(21), { searchWindow: 20 })).toEqual({
      ok: false,
      reason: 'wrong',
    });
  });

  test('a pair that was already used is replayed', () => {
    expect(resyncHotp(P, { counter: 10 }, code(8), code(9))).toEqual({
      ok: false,
      reason: 'replayed',
    });
  });

  test('malformed passcodes are refused before any search', () => {
    expect(resyncHotp(P, { counter: 0 }, '12345', code(1))).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});
