import { TokenBridgeError } from '../../../src/core';
import {
  Pairings,
  SignOnFlow,
  type FlowObserver,
  type PairingState,
  type PairingsOptions,
} from '../../../src/flows';
import { generateHotp, generateTotp, encodeYubicoOtp } from '../../../src/otp';
import {
  TokenVerifier,
  type ImportedToken,
  type SqliteTokenStore,
  type VerifyStatus,
} from '../../../src/tokens';
import { recordingLogger, type LogEntry } from '../devices/manager-rig';
import {
  importTokens,
  openStore,
  RFC_SEED,
  tempDir,
  YUBICO_AES_KEY,
} from '../tokens/registry-fixtures';
import { ManualClock } from '../../helpers/manual-clock';
import { verifierSettings } from '../../helpers/config';

/** A second HOTP seed, so two tokens of one user never share codes. */
export const OTHER_SEED = new Uint8Array(Buffer.from('abcdefghijklmnopqrst', 'ascii'));

export function hotpCode(counter: number, secret: Uint8Array = RFC_SEED, digits: 6 | 8 = 6) {
  return generateHotp({ secret, algorithm: 'sha1', digits }, counter);
}

export function totpCode(ms: number, secret: Uint8Array = RFC_SEED, digits: 6 | 8 = 8) {
  return generateTotp({ secret, algorithm: 'sha1', digits, period: 30 }, ms);
}

/** A Yubico OTP from the published vector's key and private id, with the given counters. */
export function yubicoOtp(publicId: string, usage: number, session: number): string {
  return encodeYubicoOtp(
    publicId,
    {
      privateId: '8792ebfe26cc',
      usage,
      session,
      timestampLow: 0x1234,
      timestampHigh: 0,
      random: 0x5678,
      triggeredByHidReport: false,
    },
    YUBICO_AES_KEY,
  );
}

export class RecordingObserver implements FlowObserver {
  readonly verifications: string[] = [];
  lockouts = 0;
  verification(flow: 'pairing' | 'sign-on', result: VerifyStatus): void {
    this.verifications.push(`${flow}:${result}`);
  }
  lockout(): void {
    this.lockouts++;
  }
}

export interface FlowRig {
  readonly store: SqliteTokenStore;
  readonly clock: ManualClock;
  readonly verifier: TokenVerifier;
  readonly pairings: Pairings;
  readonly signOn: SignOnFlow;
  readonly observer: RecordingObserver;
  /** pairing.state notifications: `${owner} ${step}`. */
  readonly states: Array<{ owner: string; state: PairingState }>;
  readonly logs: LogEntry[];
  cleanup(): Promise<void>;
}

export async function makeRig(
  tokens: ImportedToken[],
  options: Partial<
    Pick<PairingsOptions, 'pairingEnabled' | 'maxTokensPerUser' | 'suggestSerial' | 'maxPerOwner'>
  > = {},
): Promise<FlowRig> {
  const { dir, cleanup } = tempDir();
  const clock = new ManualClock();
  const { logger, entries } = recordingLogger();
  const store = openStore(dir, { clock, logger });
  await importTokens(store, tokens);
  const verifier = new TokenVerifier({ store, clock, logger, ...verifierSettings() });
  const observer = new RecordingObserver();
  const states: FlowRig['states'] = [];
  const pairings = new Pairings({
    store,
    verifier,
    clock,
    logger,
    observer,
    maxTokensPerUser: options.maxTokensPerUser ?? 5,
    pairingEnabled: options.pairingEnabled ?? true,
    ...(options.suggestSerial ? { suggestSerial: options.suggestSerial } : {}),
    ...(options.maxPerOwner ? { maxPerOwner: options.maxPerOwner } : {}),
  });
  pairings.onState((owner, state) => states.push({ owner, state }));
  const signOn = new SignOnFlow({ store, verifier, clock, logger, observer });
  return {
    store,
    clock,
    verifier,
    pairings,
    signOn,
    observer,
    states,
    logs: entries,
    cleanup: async () => {
      pairings.clear();
      await store.close();
      cleanup();
    },
  };
}

/** The stable code a promise rejects with. */
export async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    if (err instanceof TokenBridgeError) return err.code;
    throw err;
  }
  throw new Error('expected a refusal, but the request succeeded');
}

/** Pairs `serial` to `user` through the whole flow with one accepted code. */
export async function pairThroughFlow(
  rig: FlowRig,
  owner: string,
  user: string,
  serial: string,
  code: string,
): Promise<string> {
  const { pairingId } = await rig.pairings.start(owner, user);
  await rig.pairings.chooseHardwareToken(owner, pairingId);
  await rig.pairings.serial(owner, pairingId, serial);
  const outcome = await rig.pairings.verify(owner, pairingId, code);
  if (outcome.result !== 'accepted') throw new Error(`pairing ${serial}: ${outcome.result}`);
  return pairingId;
}
