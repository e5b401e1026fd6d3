import type { HashAlgorithm, HotpParams, TotpParams } from '../../../src/otp';
import { RFC4226_SECRET_ASCII } from '../../vectors/rfc4226';
import { RFC6238_SEEDS_ASCII } from '../../vectors/rfc6238';

export function ascii(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

export const RFC4226_PARAMS: HotpParams = {
  secret: ascii(RFC4226_SECRET_ASCII),
  algorithm: 'sha1',
  digits: 6,
};

export function rfc6238Params(algorithm: HashAlgorithm): TotpParams {
  return { secret: ascii(RFC6238_SEEDS_ASCII[algorithm]), algorithm, digits: 8, period: 30 };
}

/** Milliseconds at the start of a 30 s step. */
export function stepStartMs(step: number, period = 30): number {
  return step * period * 1000;
}
