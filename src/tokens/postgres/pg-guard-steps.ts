import type { FailureStep } from '../lockout';
import type { SharedGuardSteps } from '../registry';
import type { PgQueries } from './pg-queries';
import * as SQL from './sql';

interface GuardRow {
  fail_count: number;
  lock_count: number;
  locked_until: number | null;
}

const held = (step: FailureStep) => [step.failCount, step.lockCount, step.lockedUntil];

/**
 * The guess guards' per-user steps in the fleet's registry (migration 4), so that an unknown
 * user's failures and a locked user's fresh try count once for every daemon on it. Each change is
 * one statement, committed before it returns, and lands only over the step it was computed from.
 */
export class PgGuardSteps implements SharedGuardSteps {
  constructor(private readonly q: PgQueries) {}

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
  ): Promise<boolean> {
    let rows: unknown[];
    if (expected === null) {
      if (next === null) return (await this.read(scope, name)) === null;
      rows = await this.q.write(SQL.GUARD_INSERT, [scope, name, ...held(next)]);
    } else if (next === null) {
      rows = await this.q.write(SQL.GUARD_DELETE, [scope, name, ...held(expected)]);
    } else {
      rows = await this.q.write(SQL.GUARD_UPDATE, [scope, name, ...held(expected), ...held(next)]);
    }
    return rows.length > 0;
  }
}
