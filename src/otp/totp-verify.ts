import {
  DEFAULT_TOTP_RESYNC_STEPS,
  DEFAULT_TOTP_WINDOW,
  MAX_TOTP_RESYNC_STEPS,
  MAX_TOTP_WINDOW,
} from './constants';
import { assertTotpParams, assertTotpState, intInRange } from './params';
import { DEFAULT_SCANNER, isWellFormedPasscode, type PasscodeScanner } from './passcode-scan';
import { timeStep } from './time-step';
import type { ResyncResult, TotpParams, TotpState, TotpVerifyOptions, VerifyResult } from './types';

/**
 * TOTP verification (RFC 6238 section 5.2) centred on the token's learned drift. A step at or
 * before the last accepted one is refused, so a code is accepted at most once even inside the window.
 */
export function verifyTotp(
  params: TotpParams,
  state: TotpState,
  otp: string,
  nowMs: number,
  options: TotpVerifyOptions = {},
  scanner: PasscodeScanner = DEFAULT_SCANNER,
): VerifyResult<TotpState> {
  assertTotpParams(params);
  assertTotpState(state);
  const window = intInRange('window', options.window, DEFAULT_TOTP_WINDOW, 0, MAX_TOTP_WINDOW);
  const resyncWindow = intInRange(
    'resyncWindow',
    options.resyncWindow,
    DEFAULT_TOTP_RESYNC_STEPS,
    0,
    MAX_TOTP_RESYNC_STEPS,
  );
  const now = timeStep(nowMs, params.period);
  if (!isWellFormedPasscode(otp, params.digits)) return { valid: false, reason: 'malformed' };

  const expected = now + state.drift;
  const isFresh = (step: number) => state.lastStep === null || step > state.lastStep;
  const [inWindow] = scanner.scan(params, [otp], expected - window, 2 * window + 1);
  const matched = inWindow!.find(isFresh);
  if (matched !== undefined) {
    return {
      valid: true,
      matched,
      drift: matched - expected,
      next: { lastStep: matched, drift: matched - now },
    };
  }
  if (inWindow!.length > 0) return { valid: false, reason: 'replayed' };

  if (resyncWindow > window) {
    const span = resyncWindow - window;
    const [before, after] = [
      scanner.scan(params, [otp], expected - resyncWindow, span)[0]!,
      scanner.scan(params, [otp], expected + window + 1, span)[0]!,
    ];
    const found = [...before, ...after];
    const candidate = found.find(isFresh);
    if (candidate !== undefined) return { valid: false, reason: 'needs-next-passcode', candidate };
    if (found.length > 0) return { valid: false, reason: 'replayed' };
  }
  return { valid: false, reason: 'wrong' };
}

/**
 * Resync with two passcodes from consecutive steps s and s + 1, searched within searchSteps of the
 * expected step and after the last accepted step. The new drift is learned from s + 1, and s + 1
 * becomes the last accepted step, so neither passcode can be used again.
 */
export function resyncTotp(
  params: TotpParams,
  state: TotpState,
  otp1: string,
  otp2: string,
  nowMs: number,
  options: { searchSteps?: number } = {},
  scanner: PasscodeScanner = DEFAULT_SCANNER,
): ResyncResult<TotpState> {
  assertTotpParams(params);
  assertTotpState(state);
  const searchSteps = intInRange(
    'searchSteps',
    options.searchSteps,
    DEFAULT_TOTP_RESYNC_STEPS,
    1,
    MAX_TOTP_RESYNC_STEPS,
  );
  const now = timeStep(nowMs, params.period);
  if (!isWellFormedPasscode(otp1, params.digits) || !isWellFormedPasscode(otp2, params.digits)) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = now + state.drift;
  const [first, second] = scanner.scan(
    params,
    [otp1, otp2],
    expected - searchSteps,
    2 * searchSteps + 2,
  );
  const pairs = first!.filter((s) => s <= expected + searchSteps && second!.includes(s + 1));
  const fresh = pairs.find((s) => state.lastStep === null || s > state.lastStep);
  if (fresh !== undefined) {
    const matched = fresh + 1;
    return {
      ok: true,
      matched,
      drift: matched - expected,
      next: { lastStep: matched, drift: matched - now },
    };
  }
  if (pairs.length > 0) return { ok: false, reason: 'replayed' };
  if (first!.length > 0 && second!.length > 0) return { ok: false, reason: 'not-consecutive' };
  return { ok: false, reason: 'wrong' };
}
