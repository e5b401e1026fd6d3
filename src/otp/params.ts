import { ValidationError } from '../core';
import {
  MAX_SEED_BYTES,
  MIN_SEED_BYTES,
  RECOMMENDED_MIN_SEED_BYTES,
  YUBICO_AES_KEY_BYTES,
  YUBICO_PRIVATE_ID_BYTES,
} from './constants';
import type {
  HotpParams,
  HotpState,
  TotpParams,
  TotpState,
  YubicoParams,
  YubicoState,
} from './types';

/**
 * Parameter checks. Bad parameters are programming errors or corrupt records, so they throw
 * ValidationError; messages name the field and never include a seed or key.
 */
const ALGORITHMS: readonly string[] = ['sha1', 'sha256', 'sha512'];

/** Seeds of 10..64 bytes are accepted; below 16 they are weak and callers should warn. */
export function validateSeed(
  secret: Uint8Array,
): { ok: true; weak: boolean } | { ok: false; message: string } {
  if (!(secret instanceof Uint8Array)) return { ok: false, message: 'seed: expected bytes' };
  if (secret.length < MIN_SEED_BYTES || secret.length > MAX_SEED_BYTES) {
    return {
      ok: false,
      message: `seed: expected ${MIN_SEED_BYTES}..${MAX_SEED_BYTES} bytes, got ${secret.length}`,
    };
  }
  return { ok: true, weak: secret.length < RECOMMENDED_MIN_SEED_BYTES };
}

export function assertHotpParams(params: HotpParams): void {
  const seed = validateSeed(params.secret);
  if (!seed.ok) throw new ValidationError(seed.message);
  if (!ALGORITHMS.includes(params.algorithm)) {
    throw new ValidationError(
      `algorithm: expected sha1, sha256 or sha512, got ${String(params.algorithm)}`,
    );
  }
  if (params.digits !== 6 && params.digits !== 8) {
    throw new ValidationError(`digits: expected 6 or 8, got ${String(params.digits)}`);
  }
}

export function assertTotpParams(params: TotpParams): void {
  assertHotpParams(params);
  if (params.period !== 30 && params.period !== 60) {
    throw new ValidationError(`period: expected 30 or 60 seconds, got ${String(params.period)}`);
  }
}

export function assertYubicoParams(params: YubicoParams): void {
  assertAesKey(params.aesKey);
  if (
    !(params.privateId instanceof Uint8Array) ||
    params.privateId.length !== YUBICO_PRIVATE_ID_BYTES
  ) {
    throw new ValidationError(
      `private id: expected ${YUBICO_PRIVATE_ID_BYTES} bytes, got ${lengthOf(params.privateId)}`,
    );
  }
}

export function assertAesKey(aesKey: Uint8Array): void {
  if (!(aesKey instanceof Uint8Array) || aesKey.length !== YUBICO_AES_KEY_BYTES) {
    throw new ValidationError(
      `AES key: expected ${YUBICO_AES_KEY_BYTES} bytes, got ${lengthOf(aesKey)}`,
    );
  }
}

/** An integer option in min..max, or its default when undefined. */
export function intInRange(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError(`${name}: expected an integer ${min}..${max}, got ${value}`);
  }
  return value;
}

export function assertCounter(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${name}: expected a non-negative integer, got ${value}`);
  }
}

export function assertHotpState(state: HotpState): void {
  assertCounter('state.counter', state.counter);
}

export function assertTotpState(state: TotpState): void {
  if (state.lastStep !== null) assertCounter('state.lastStep', state.lastStep);
  if (!Number.isSafeInteger(state.drift)) {
    throw new ValidationError(`state.drift: expected an integer, got ${state.drift}`);
  }
}

export function assertYubicoState(state: YubicoState): void {
  if ((state.usage === null) !== (state.session === null)) {
    throw new ValidationError('state: usage and session must both be set or both be null');
  }
  if (state.usage !== null) intInRange('state.usage', state.usage, 0, 0, 0x7fff);
  if (state.session !== null) intInRange('state.session', state.session, 0, 0, 0xff);
}

function lengthOf(value: unknown): string {
  return value instanceof Uint8Array ? String(value.length) : typeof value;
}
