import {
  DEFAULT_HOTP_RESYNC_WINDOW,
  DEFAULT_HOTP_WINDOW,
  MAX_HOTP_RESYNC_WINDOW,
  MAX_HOTP_WINDOW,
} from './constants';
import { assertHotpParams, assertHotpState, intInRange } from './params';
import { DEFAULT_SCANNER, isWellFormedPasscode, type PasscodeScanner } from './passcode-scan';
import type { HotpParams, HotpState, HotpVerifyOptions, ResyncResult, VerifyResult } from './types';

/**
 * HOTP verification (RFC 4226 section 7.2): look ahead `window` counters from the stored one. A code
 * found only further ahead (the resync window) is never accepted on its own: the caller asks for the
 * next passcode and calls resyncHotp with both.
 */
export function verifyHotp(
  params: HotpParams,
  state: HotpState,
  otp: string,
  options: HotpVerifyOptions = {},
  scanner: PasscodeScanner = DEFAULT_SCANNER,
): VerifyResult<HotpState> {
  assertHotpParams(params);
  assertHotpState(state);
  const window = intInRange('window', options.window, DEFAULT_HOTP_WINDOW, 1, MAX_HOTP_WINDOW);
  const resyncWindow = intInRange(
    'resyncWindow',
    options.resyncWindow,
    DEFAULT_HOTP_RESYNC_WINDOW,
    0,
    MAX_HOTP_RESYNC_WINDOW,
  );
  if (!isWellFormedPasscode(otp, params.digits)) return { valid: false, reason: 'malformed' };

  const expected = state.counter;
  const matched = scanner.firstMatch(params, otp, expected, window);
  if (matched !== undefined) {
    return {
      valid: true,
      matched,
      drift: matched - expected,
      next: { counter: matched + 1 },
    };
  }
  // Only when nothing ahead matched: an already-used code, looked for as far back as the window.
  const backFrom = Math.max(0, expected - window);
  const [behind] = scanner.scan(params, [otp], backFrom, expected - backFrom);
  if (behind!.length > 0) return { valid: false, reason: 'replayed' };

  if (resyncWindow > window) {
    const [far] = scanner.scan(params, [otp], expected + window, resyncWindow - window);
    const candidate = far![0];
    if (candidate !== undefined) return { valid: false, reason: 'needs-next-passcode', candidate };
  }
  return { valid: false, reason: 'wrong' };
}

/**
 * Resync with two consecutive passcodes (RFC 4226 section 7.4): finds c in
 * [state.counter, state.counter + searchWindow) with otp1 at c and otp2 at c + 1. The stored counter
 * moves to c + 2, so neither passcode can be used again.
 */
export function resyncHotp(
  params: HotpParams,
  state: HotpState,
  otp1: string,
  otp2: string,
  options: { searchWindow?: number } = {},
  scanner: PasscodeScanner = DEFAULT_SCANNER,
): ResyncResult<HotpState> {
  assertHotpParams(params);
  assertHotpState(state);
  const searchWindow = intInRange(
    'searchWindow',
    options.searchWindow,
    DEFAULT_HOTP_RESYNC_WINDOW,
    1,
    MAX_HOTP_RESYNC_WINDOW,
  );
  if (!isWellFormedPasscode(otp1, params.digits) || !isWellFormedPasscode(otp2, params.digits)) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = state.counter;
  // Also look back one default window, to tell a replayed pair from a wrong one.
  const from = Math.max(0, expected - DEFAULT_HOTP_WINDOW);
  const [first, second] = scanner.scan(
    params,
    [otp1, otp2],
    from,
    expected + searchWindow + 1 - from,
  );
  const pairs = first!.filter((c) => c < expected + searchWindow && second!.includes(c + 1));
  const fresh = pairs.find((c) => c >= expected);
  if (fresh !== undefined) {
    const matched = fresh + 1;
    return { ok: true, matched, drift: matched - expected, next: { counter: matched + 1 } };
  }
  if (pairs.length > 0) return { ok: false, reason: 'replayed' };
  if (first!.length > 0 && second!.length > 0) return { ok: false, reason: 'not-consecutive' };
  return { ok: false, reason: 'wrong' };
}
