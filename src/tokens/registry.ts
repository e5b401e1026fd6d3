import type { ErrorCode } from '../core';
import type { AuditContext, AuditEntry, AuditInput } from './audit';
import type { FailureStep } from './lockout';
import type { SealedSeed } from './seed-cipher';
import type { TokenStore } from './store';
import type { TokenRecord } from './types';

export type StoreKind = 'sqlite' | 'postgres';

/** Whether the registry answers now, and if not, why (for /healthz; never a path or a password). */
export type StoreHealth =
  { readonly ok: true } | { readonly ok: false; readonly code: ErrorCode; readonly reason: string };

/** What `doctor` and the start-up check report about a registry. */
/** How verifications' compare-and-sets reached the registry since the store was opened. */
export interface VerificationWrites {
  /** Statements (SQLite: transactions) sent, each one commit. */
  readonly statements: number;
  /** Compare-and-sets they carried: more than `statements` when a busy node shares commits. */
  readonly advances: number;
  /** Shared statements the server refused as a whole (then sent again one by one). */
  readonly refused: number;
}

export interface StoreCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** A token exactly as stored, its seed still sealed: what `store copy` moves. */
export interface StoredToken {
  readonly record: TokenRecord;
  readonly sealed: SealedSeed;
}

export interface RekeyResult {
  readonly from: string;
  readonly to: string;
  readonly tokens: number;
}

export interface SchemaState {
  readonly version: number;
  readonly appliedNow: readonly number[];
}

/** One point in time of a registry: every token (sealed, in serial order), then the audit trail. */
export interface RegistrySnapshot {
  tokens(): AsyncIterable<StoredToken>;
  audit(): AsyncIterable<AuditEntry>;
  close(): Promise<void>;
}

export interface CopySummary {
  readonly tokens: number;
  readonly audit: number;
}

/**
 * Receives a whole registry (`store copy`): every token with its state and sealed seed, then the
 * audit trail; nothing is visible until commit(), which publishes all of it at once.
 */
export interface CopySession {
  addToken(token: StoredToken): Promise<void>;
  addAudit(entry: AuditEntry): Promise<void>;
  commit(): Promise<CopySummary>;
  rollback(): Promise<void>;
}

/**
 * A registry as the runtime builds it: the TokenStore its consumers use, plus what the commands
 * that administer it need (health, checks, rekey, copy). SQLite and PostgreSQL both implement it.
 */
export interface RegistryStore extends TokenStore {
  readonly kind: StoreKind;
  /** Where it is, for messages: the file, or `postgres host:port/database` (never a password). */
  readonly location: string;
  /** The seed key's id (a fingerprint: a short hash, never the key). */
  readonly keyId: string;
  readonly keyFile: string;
  /** Refreshed by every operation: a fault makes it unhealthy until the store works again. */
  health(): StoreHealth;
  readonly verificationWrites: VerificationWrites;
  /** Connection, integrity, schema version and key fingerprint, as `doctor` shows them. */
  check(): Promise<StoreCheck[]>;
  /** Re-encrypts every seed under a new key (read from `newKeyPath`, or fresh random bytes). */
  rekey(context: AuditContext, newKeyPath?: string): Promise<RekeyResult>;
  /** A consistent read of the whole registry (`store copy` from it); close it when done. */
  snapshot(): Promise<RegistrySnapshot>;
  /** The schema version now, and the migrations this process applied when it opened the store. */
  schema(): Promise<SchemaState>;
  /**
   * Receives another registry's tokens and audit trail; a serial or public id already here
   * refuses the whole copy (TOKEN_EXISTS), so nothing is ever merged over.
   */
  beginCopy(): Promise<CopySession>;
  /**
   * Where the guess guards keep their per-user steps when the registry is shared by daemons (a
   * fleet's PostgreSQL); absent on a daemon's own file, whose guards stay in its memory.
   */
  readonly guardSteps?: SharedGuardSteps;
}

/**
 * Per-user steps of the guess guards (flows/guard-steps.ts), one per scope and name, kept where
 * every daemon on the registry sees them. A step changes only by compare-and-set.
 */
export interface SharedGuardSteps {
  /** The step held, or null when none is. */
  read(scope: string, name: string): Promise<FailureStep | null>;
  /**
   * Replaces `expected` (null: none held) with `next` (null: none), and appends `audit` (only with
   * a `next`) in the same transaction; committed when it returns true, false when the step held
   * was not `expected` (another daemon moved it first).
   */
  swap(
    scope: string,
    name: string,
    expected: FailureStep | null,
    next: FailureStep | null,
    audit?: AuditInput,
  ): Promise<boolean>;
}
