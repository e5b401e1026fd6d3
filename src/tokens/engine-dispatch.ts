import {
  resyncHotp,
  resyncTotp,
  verifyHotp,
  verifyTotp,
  verifyYubicoOtp,
  type HotpVerifyOptions,
  type ResyncResult,
  type TotpVerifyOptions,
  type VerifyResult,
} from '../otp';
import { ErrorCode, parsePasscode, StoreError } from '../core';
import { stateOf, type TokenSecret, type TokenState } from './store';
import type { TokenRecord } from './types';

export interface EngineOptions {
  readonly hotp: HotpVerifyOptions;
  readonly totp: TotpVerifyOptions;
  readonly hotpResyncWindow?: number;
  readonly totpResyncSteps?: number;
}

/** Runs the engine for the token's kind and expresses its next state as a whole TokenState. */
export function runVerify(
  record: TokenRecord,
  secret: TokenSecret,
  otp: string,
  now: number,
  options: EngineOptions,
): VerifyResult<TokenState> {
  const state = stateOf(record);
  const params = { secret: secret.secret, algorithm: record.algorithm, digits: record.digits };
  switch (record.kind) {
    case 'hotp':
      return withState(verifyHotp(params, state, otp, options.hotp), state);
    case 'totp':
      return withState(
        verifyTotp({ ...params, period: record.period }, state, otp, now, options.totp),
        state,
      );
    case 'yubico': {
      if (!secret.privateId) throw corrupt(record.serial);
      // The ticket alone does not name its token: an OTP typed for another public id is not ours.
      if (publicIdOf(otp) !== record.publicId) return { valid: false, reason: 'wrong' };
      const result = verifyYubicoOtp(
        { aesKey: secret.secret, privateId: secret.privateId },
        { usage: record.yubicoUsage, session: record.yubicoSession },
        otp,
      );
      if (!result.valid) return result;
      return {
        ...result,
        next: { ...state, yubicoUsage: result.next.usage, yubicoSession: result.next.session },
      };
    }
  }
}

/** Resync with two consecutive passcodes; HOTP and TOTP only. */
export function runResync(
  record: TokenRecord,
  secret: TokenSecret,
  otp1: string,
  otp2: string,
  now: number,
  options: EngineOptions,
): ResyncResult<TokenState> {
  const state = stateOf(record);
  const params = { secret: secret.secret, algorithm: record.algorithm, digits: record.digits };
  switch (record.kind) {
    case 'hotp': {
      const searchWindow = options.hotpResyncWindow;
      const r = resyncHotp(params, state, otp1, otp2, searchWindow ? { searchWindow } : {});
      return r.ok ? { ...r, next: { ...state, ...r.next } } : r;
    }
    case 'totp': {
      const searchSteps = options.totpResyncSteps;
      const r = resyncTotp(
        { ...params, period: record.period },
        state,
        otp1,
        otp2,
        now,
        searchSteps ? { searchSteps } : {},
      );
      return r.ok ? { ...r, next: { ...state, ...r.next } } : r;
    }
    case 'yubico':
      // Every Yubico OTP carries its own counters: there is nothing to resynchronise.
      throw new StoreError(
        ErrorCode.INVALID_INPUT,
        `token ${record.serial} is a Yubico OTP token: resync applies to HOTP and TOTP`,
      );
  }
}

function withState<S extends object>(
  result: VerifyResult<S>,
  state: TokenState,
): VerifyResult<TokenState> {
  return result.valid ? { ...result, next: { ...state, ...result.next } } : result;
}

function corrupt(serial: string): StoreError {
  return new StoreError(
    ErrorCode.STORE_CORRUPT,
    `token ${serial}: Yubico record without a private id`,
  );
}

/** The public id in front of a Yubico OTP (caps lock and Dvorak repaired), or null for no Yubico OTP. */
export function publicIdOf(otp: string): string | null {
  const parsed = parsePasscode(otp);
  return parsed?.format === 'yubico' ? parsed.publicId : null;
}
