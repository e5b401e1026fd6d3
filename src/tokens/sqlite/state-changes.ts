import { counted, ErrorCode, StoreError } from '../../core';
import type { AuditContext, AuditInput } from '../audit';
import { afterFailure, type FailureStep } from '../lockout';
import type { FailureRecord } from '../store';
import type { TokenRecord } from '../types';
import { toRecord } from './rows';
import type { Statements } from './statements';

/** What a change needs inside its IMMEDIATE transaction: the statements and the audit writer. */
export interface InTransaction {
  readonly sql: Statements;
  audit(entry: AuditInput, at: number): void;
}

/** One failure under the policy; the 'failed' row, and the 'locked' row when this one locks. */
export function failIn(t: InTransaction, failure: FailureRecord): FailureStep | null {
  const row = t.sql.failState.get(failure.serial);
  if (!row) return null;
  if (row.locked_until !== null && row.locked_until > failure.at) {
    // Locked by a concurrent failure meanwhile: this attempt never ran against a live token.
    return { failCount: row.fail_count, lockCount: row.lock_count, lockedUntil: row.locked_until };
  }
  const step = afterFailure(
    failure.policy,
    { failCount: row.fail_count, lockCount: row.lock_count },
    failure.at,
  );
  t.sql.setFailState.run({ serial: failure.serial, ...step });
  t.audit(
    { ...failure.audit, detail: { ...failure.audit.detail, failCount: step.failCount } },
    failure.at,
  );
  if (step.lockedUntil !== null) {
    t.audit(
      {
        ...failure.audit,
        event: 'locked',
        detail: { until: step.lockedUntil, lockCount: step.lockCount },
      },
      failure.at,
    );
  }
  return step;
}

export function pairIn(
  t: InTransaction,
  serial: string,
  user: string,
  context: AuditContext,
  limit: number,
  at: number,
): TokenRecord {
  const row = t.sql.get.get(serial);
  if (!row) throw notFound(serial);
  if (row.user === user) return toRecord(row);
  if (row.user !== null) {
    throw new StoreError(
      ErrorCode.TOKEN_PAIRED,
      `token ${serial} is already paired to another user`,
    );
  }
  const owned = t.sql.countOfUser.get(user)!;
  if (owned >= limit) {
    throw new StoreError(
      ErrorCode.USER_TOKEN_LIMIT,
      `user ${user} already has ${counted(owned, 'token')}, the limit is ${limit}`,
    );
  }
  t.sql.pair.run({ serial, user, at });
  t.audit({ event: 'paired', serial, user, source: context.source, detail: {} }, at);
  return toRecord(t.sql.get.get(serial)!);
}

export function unpairIn(
  t: InTransaction,
  serial: string,
  context: AuditContext,
  at: number,
): string | null {
  const row = t.sql.get.get(serial);
  if (!row) throw notFound(serial);
  if (row.user === null) return null;
  t.sql.unpair.run(serial);
  t.audit({ event: 'unpaired', serial, user: row.user, source: context.source, detail: {} }, at);
  return row.user;
}

/** Unlock or delete: false when there is no such token. */
export function changeIn(
  t: InTransaction,
  serial: string,
  event: 'unlocked' | 'deleted',
  context: AuditContext,
  at: number,
): boolean {
  const row = t.sql.get.get(serial);
  const statement = event === 'unlocked' ? t.sql.unlock : t.sql.delete;
  if (!row || statement.run(serial).changes !== 1) return false;
  t.audit({ event, serial, user: row.user, source: context.source, detail: {} }, at);
  return true;
}

export function notFound(serial: string): StoreError {
  return new StoreError(ErrorCode.TOKEN_NOT_FOUND, `no token with serial ${serial}`);
}
