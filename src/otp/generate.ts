import { generateSync as generateHotpCode } from '@otplib/hotp';
import { generateSync as generateTotpCode } from '@otplib/totp';
import { ValidationError } from '../core';
import { NODE_CRYPTO, OTPLIB_GUARDRAILS } from './otplib-config';
import { assertCounter, assertHotpParams, assertTotpParams } from './params';
import type { HotpParams, TotpParams } from './types';

/** One HOTP code (RFC 4226) through otplib with node:crypto. */
export function generateHotp(params: HotpParams, counter: number): string {
  assertHotpParams(params);
  assertCounter('counter', counter);
  return generateHotpCode({
    secret: params.secret,
    counter,
    algorithm: params.algorithm,
    digits: params.digits,
    crypto: NODE_CRYPTO,
    guardrails: OTPLIB_GUARDRAILS,
  });
}

/** One TOTP code (RFC 6238, T0 = 0) for the step that contains `nowMs`. */
export function generateTotp(params: TotpParams, nowMs: number): string {
  assertTotpParams(params);
  if (!Number.isFinite(nowMs) || nowMs < 0) {
    throw new ValidationError(`time: expected a non-negative number of milliseconds, got ${nowMs}`);
  }
  return generateTotpCode({
    secret: params.secret,
    epoch: Math.floor(nowMs / 1000),
    period: params.period,
    algorithm: params.algorithm,
    digits: params.digits,
    crypto: NODE_CRYPTO,
    guardrails: OTPLIB_GUARDRAILS,
  });
}
