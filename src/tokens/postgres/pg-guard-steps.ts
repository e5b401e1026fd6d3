import type { AuditInput } from '../audit';
import type { FailureStep } from '../lockout';
import type { SharedGuardSteps } from '../registry';
import type { PgQueries } from './pg-queries';
import * as SQL from './sql';

interface GuardRow {
  fail_count: number;
  lock_count: number;
  locked_until: number | null;
}

const counts = (step: FailureStep) => [step.failCount, step.lockCount, step.lockedUntil];
const NO_AUDIT = Array.from({ length: 7 }, () => null);

/**
 * The guess guards' per-user steps in the fleet's registry (migration 4), so that an unknown
 * user's failures and a locked user's fresh try count once for every daemon on it. Each change is
 * one statement, committed before it returns, with its audit row when it has one, and lands only
 * over the step it was computed from.
 */
export class PgGuardSteps implements SharedGuardSteps {
  constructor(
    private readonly q: PgQueries,
    private readonly now: () => number,
  ) {}

  async read(scope: string, name: string): Promise<FailureStep | null> {
    const row = (await this.q.read<GuardRow>(SQL.GUARD_GET, [scope, name]))[0];
    return row
      ? { failCount: row.fail_count, lockCount: row.lock_count, lockedUntil: row.locked_until }
      : null;
  }

  async swap(
    scope: string,
    name: string,
    expected: FailureStep | null,
    next: FailureStep | null,
    audit?: AuditInput,
  ): Promise<boolean> {
    const logged = audit ? this.q.auditValues(audit, this.now()) : NO_AUDIT;
    let rows: unknown[];
    if (next === null) {
      if (audit) throw new Error('guard steps: a step forgotten has no audit row');
      if (expected === null) return (await this.read(scope, name)) === null;
      rows = await this.q.write(SQL.GUARD_DELETE, [scope, name, ...counts(expected)]);
    } else if (expected === null) {
      rows = await this.q.write(SQL.GUARD_INSERT, [scope, name, ...counts(next), ...logged]);
    } else {
      rows = await this.q.write(SQL.GUARD_UPDATE, [
        scope,
        name,
        ...counts(expected),
        ...counts(next),
        ...logged,
      ]);
    }
    return rows.length > 0;
  }
}
