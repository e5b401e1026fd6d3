import { counted, ErrorCode, StoreError } from '../../core';
import type { AuditContext } from '../audit';
import { afterFailure, type FailureStep } from '../lockout';
import type { FailureRecord } from '../store';
import type { TokenRecord } from '../types';
import type { PgQueries } from './pg-queries';
import { toRecord, type PgTokenRow } from './pg-rows';
import * as SQL from './sql';

/** How many times a failure is recounted after losing its compare-and-set to another node. */
const MAX_FAILURE_ROUNDS = 16;

/**
 * One failure counted by compare-and-set on the counts it was computed from (RECORD_FAILURE writes
 * the counts and the audit rows in one statement); lost to another node, it is counted again on
 * top of theirs, so concurrent failures from many kiosks lock at exactly the policy's count.
 */
export async function recordPgFailure(
  q: PgQueries,
  failure: FailureRecord,
  node: string,
): Promise<FailureStep | null> {
  for (let round = 0; round < MAX_FAILURE_ROUNDS; round++) {
    const row = (
      await q.read<{ fail_count: number; lock_count: number; locked_until: number | null }>(
        SQL.FAIL_STATE,
        [failure.serial],
      )
    )[0];
    if (!row) return null;
    if (row.locked_until !== null && row.locked_until > failure.at) {
      // Locked by a concurrent failure meanwhile: this attempt never ran against a live token.
      return {
        failCount: row.fail_count,
        lockCount: row.lock_count,
        lockedUntil: row.locked_until,
      };
    }
    const step = afterFailure(
      failure.policy,
      { failCount: row.fail_count, lockCount: row.lock_count },
      failure.at,
    );
    const { audit } = failure;
    const written = await q.write(SQL.RECORD_FAILURE, [
      failure.serial,
      row.fail_count,
      row.lock_count,
      row.locked_until,
      step.failCount,
      step.lockCount,
      step.lockedUntil,
      failure.at,
      audit.user,
      audit.source,
      JSON.stringify({ ...audit.detail, failCount: step.failCount }),
      step.lockedUntil === null
        ? null
        : JSON.stringify({ until: step.lockedUntil, lockCount: step.lockCount }),
      node,
    ]);
    if (written.length > 0) return step;
  }
  throw new StoreError(
    ErrorCode.STORE_UNAVAILABLE,
    `token ${failure.serial}: its fail count changed under ${MAX_FAILURE_ROUNDS} attempts in a row; try again`,
  );
}

/**
 * Pairs under a per-user advisory lock (the two-key form, so it never meets the migration lock),
 * with the token row locked: the user's token count cannot change between its check and the pair.
 */
export async function pairPg(
  q: PgQueries,
  serial: string,
  user: string,
  context: AuditContext,
  limit: number,
  at: number,
): Promise<TokenRecord> {
  return q.transaction(async (client) => {
    await client.query(SQL.LOCK_USER, [SQL.PAIR_LOCK_SPACE, user]);
    const row = (await client.query<PgTokenRow>(SQL.LOCK_TOKEN, [serial])).rows[0];
    if (!row) throw notFound(serial);
    if (row.user_name === user) return toRecord(row);
    if (row.user_name !== null) {
      throw new StoreError(
        ErrorCode.TOKEN_PAIRED,
        `token ${serial} is already paired to another user`,
      );
    }
    const owned = (await client.query<{ n: number }>(SQL.COUNT_OF_USER, [user])).rows[0]!.n;
    if (owned >= limit) {
      throw new StoreError(
        ErrorCode.USER_TOKEN_LIMIT,
        `user ${user} already has ${counted(owned, 'token')}, the limit is ${limit}`,
      );
    }
    await client.query(SQL.PAIR, [serial, user, at]);
    await q.insertAudit(
      client,
      { event: 'paired', serial, user, source: context.source, detail: {} },
      at,
    );
    return toRecord({ ...row, user_name: user, paired_at: at });
  });
}

/** Unpair, unlock or delete: the row locked, changed, and audited in one transaction. */
export async function changePg(
  q: PgQueries,
  serial: string,
  change: 'unpaired' | 'unlocked' | 'deleted',
  context: AuditContext,
  at: number,
): Promise<{ found: boolean; user: string | null }> {
  const statement = { unpaired: SQL.UNPAIR, unlocked: SQL.UNLOCK, deleted: SQL.DELETE }[change];
  return q.transaction(async (client) => {
    const row = (await client.query<PgTokenRow>(SQL.LOCK_TOKEN, [serial])).rows[0];
    if (!row) return { found: false, user: null };
    if (change === 'unpaired' && row.user_name === null) return { found: true, user: null };
    await client.query(statement, [serial]);
    await q.insertAudit(
      client,
      { event: change, serial, user: row.user_name, source: context.source, detail: {} },
      at,
    );
    return { found: true, user: row.user_name };
  });
}

export function notFound(serial: string): StoreError {
  return new StoreError(ErrorCode.TOKEN_NOT_FOUND, `no token with serial ${serial}`);
}
