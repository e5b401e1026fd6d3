import type { AuditEntry, AuditInput, AuditQuery, AuditContext } from './audit';
import type { FailureStep, LockoutPolicy } from './lockout';
import type { ImportOptions, ImportSession, TokenRecord } from './types';

/** A decrypted secret, alive for one verification; the caller wipes it (`wipeSecret`). */
export interface TokenSecret {
  /** HOTP/TOTP seed, or the Yubico AES key. */
  readonly secret: Buffer;
  /** Yubico: the 6-byte private id; null for HOTP/TOTP. */
  readonly privateId: Buffer | null;
}

export function wipeSecret(secret: TokenSecret): void {
  secret.secret.fill(0);
  secret.privateId?.fill(0);
}

/** The part of a record a verification moves forward, compared and set as one. */
export interface TokenState {
  readonly counter: number;
  readonly lastStep: number | null;
  readonly drift: number;
  readonly yubicoUsage: number | null;
  readonly yubicoSession: number | null;
}

export function stateOf(record: TokenRecord): TokenState {
  return {
    counter: record.counter,
    lastStep: record.lastStep,
    drift: record.drift,
    yubicoUsage: record.yubicoUsage,
    yubicoSession: record.yubicoSession,
  };
}

export interface LoadedToken {
  readonly record: TokenRecord;
  readonly secret: TokenSecret;
  /**
   * True when a store served it from memory (the fleet store keeps the tokens it verified): it may
   * be stale, so only an advance may be decided on it (its compare-and-set names `revision`); any
   * other decision is taken again on a fresh load.
   */
  readonly fromCache?: boolean;
  /** The row's revision where the store keeps one; given back in StateAdvance. */
  readonly revision?: number;
}

export interface LoadOptions {
  /** Read the registry itself, never a copy kept in memory. */
  readonly fresh?: boolean;
}

/** A successful verification or resync to make durable, by compare-and-set. */
export interface StateAdvance {
  readonly serial: string;
  /** The state the engine verified against; the write happens only if it is still current. */
  readonly expected: TokenState;
  readonly next: TokenState;
  readonly at: number;
  readonly audit: AuditInput;
  /** The loaded token's revision, when its store gave one: the write happens only at it. */
  readonly revision?: number;
}

export interface FailureRecord {
  readonly serial: string;
  readonly at: number;
  readonly policy: LockoutPolicy;
  /** The 'failed' row; a 'locked' row is added when this failure locks the token. */
  readonly audit: AuditInput;
}

export interface ListOptions {
  /** Serials after this one (paging; the list is in serial order, see serial-order.ts). */
  readonly afterSerial?: string;
  readonly limit?: number;
}

/**
 * The registry as its consumers (the verifier, the flows, the CLI) see it. Asynchronous: the
 * embedded SQLite file and a fleet's PostgreSQL server stand behind the same methods.
 * Every method that changes a token is atomic and durable when its promise resolves.
 */
export interface TokenStore {
  get(serial: string): Promise<TokenRecord | null>;
  findByPublicId(publicId: string): Promise<TokenRecord | null>;
  list(options?: ListOptions): Promise<TokenRecord[]>;
  count(): Promise<number>;
  tokensOf(user: string): Promise<TokenRecord[]>;
  /**
   * The user's tokens from this store's memory, where it keeps copies (a fleet node), or undefined
   * when it does not know them. A copy may be stale or miss a token paired since: the verifier
   * takes only an acceptance from it, and asks tokensOf for every other answer.
   */
  tokensInMemoryOf?(user: string): TokenRecord[] | undefined;

  /** The record and its decrypted secret; null when there is no such token. */
  load(serial: string, options?: LoadOptions): Promise<LoadedToken | null>;
  /**
   * Compare-and-set: writes `next` (and clears the fail and lock counts) only if the stored state
   * still equals `expected` and the token is not locked at `at`. False when another verifier won.
   */
  advance(update: StateAdvance): Promise<boolean>;
  /** Counts one failure under the policy, atomically; returns the counts after it. */
  recordFailure(failure: FailureRecord): Promise<FailureStep | null>;
  unlock(serial: string, context: AuditContext): Promise<boolean>;

  /** Pairs a token to a user (TOKEN_PAIRED, USER_TOKEN_LIMIT, TOKEN_NOT_FOUND). */
  pair(serial: string, user: string, context: AuditContext): Promise<TokenRecord>;
  /** Returns the user it was paired to, or null when it was not paired. */
  unpair(serial: string, context: AuditContext): Promise<string | null>;
  /** False when there was no such token. */
  delete(serial: string, context: AuditContext): Promise<boolean>;

  appendAudit(entry: AuditInput): Promise<void>;
  audit(query?: AuditQuery): Promise<AuditEntry[]>;

  /** A streaming, all-or-nothing import, published in one short step (see ImportSession). */
  beginImport(options: ImportOptions): Promise<ImportSession>;

  close(): Promise<void>;
}
