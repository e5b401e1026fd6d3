import type { ApiDevice, PairingStepResult, ResultOf, ServerEvent, VerifyOutcome } from '../api';

/** Who is asking: the server tells the backend which connection a request came from. */
export interface ConnectionContext {
  readonly connectionId: string;
  /** The allowed Origin the connection was opened from (normalised). */
  readonly origin: string;
}

export interface HelloInfo {
  readonly version: string;
  readonly devices: ApiDevice[];
  readonly capabilities: { pairing: boolean; tapPairing: boolean; setup: boolean };
  readonly kiosk?: { idleResetMs: number };
}

/**
 * Receives events to fan out. `connectionId` set: only that connection gets it (flow events of its
 * own pairing); unset: every connected client.
 */
export type BackendEventListener = (event: ServerEvent, connectionId?: string) => void;

type MaybePromise<T> = T | Promise<T>;

/**
 * What the server needs from the rest of the daemon (the consumer owns the interface). Handlers
 * return outcomes as values; they throw TokenBridgeError (stable code) for refusals such as an
 * unknown serial, which the server turns into `{ ok: false, error }`.
 */
export interface ApiBackend {
  hello(): MaybePromise<HelloInfo>;
  listDevices(): MaybePromise<ApiDevice[]>;
  pairingStart(ctx: ConnectionContext, user: string): Promise<PairingStepResult>;
  pairingChooseHardwareToken(ctx: ConnectionContext, pairingId: string): Promise<PairingStepResult>;
  pairingSerial(
    ctx: ConnectionContext,
    pairingId: string,
    serial: string,
  ): Promise<PairingStepResult>;
  pairingVerify(
    ctx: ConnectionContext,
    pairingId: string,
    passcode: string,
  ): Promise<VerifyOutcome>;
  pairingSync(ctx: ConnectionContext, pairingId: string, passcode: string): Promise<VerifyOutcome>;
  pairingTap(ctx: ConnectionContext, pairingId: string, passcode: string): Promise<VerifyOutcome>;
  /** Set up the offered blank key, then Verification; long-running (it waits for a touch). */
  pairingSetup(
    ctx: ConnectionContext,
    pairingId: string,
    deviceId: string,
  ): Promise<PairingStepResult>;
  pairingCancel(ctx: ConnectionContext, pairingId: string): Promise<ResultOf<'pairing.cancel'>>;
  signonVerify(ctx: ConnectionContext, user: string, passcode: string): Promise<VerifyOutcome>;
  tokenUnpair(ctx: ConnectionContext, user: string, serial: string): Promise<void>;
  /** Extra fields for GET /healthz (e.g. device count, store state); never secrets. */
  health(): MaybePromise<Record<string, unknown>>;
  /** Starts delivering events; returns the function that stops them. */
  subscribe(listener: BackendEventListener): () => void;
  /** A connection went away: drop its pairings. */
  connectionClosed?(ctx: ConnectionContext): void;
}
