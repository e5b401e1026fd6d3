import { ErrorCode, StoreError } from '../core';
import type { AuditInput, FailureStep } from '../tokens';

/** User names whose steps this daemon's memory holds at most, per scope; the oldest go first. */
export const DEFAULT_GUARD_CAPACITY = 10_000;

/**
 * The per-user counts in front of the token lockout: an unknown user's failures
 * (unknown-users.ts) and a locked user's fresh try (guess-budget.ts).
 */
export type GuardScope = 'unknown-user' | 'fresh-try';

/** The step of a name that has failed nothing yet. */
export const NO_FAILURES: FailureStep = { failCount: 0, lockCount: 0, lockedUntil: null };

/** How often a change is computed again after losing its compare-and-set. */
const MAX_CHANGE_ROUNDS = 16;

/**
 * Where those counts live. On a daemon's own registry file, its memory (MemoryGuardSteps); on a
 * fleet's registry, the registry itself, so every daemon answers from one count. A step changes
 * only by compare-and-set over the step read.
 */
export interface GuardSteps {
  /** The step held, or null when none is. */
  read(scope: GuardScope, name: string): Promise<FailureStep | null>;
  /**
   * `expected` (null: none held) becomes `next` (null: none), with `audit` (only with a `next`)
   * appended as part of the change; false when another moved the step first.
   */
  swap(
    scope: GuardScope,
    name: string,
    expected: FailureStep | null,
    next: FailureStep | null,
    audit?: AuditInput,
  ): Promise<boolean>;
}

/**
 * What a change makes of the step held: the step to write (or 'keep' it), the audit row that
 * records it, and its answer.
 */
export interface StepChange<T> {
  readonly next: FailureStep | null | 'keep';
  readonly audit?: AuditInput;
  readonly answer: T;
}

/**
 * Reads the step, computes the change, and writes it by compare-and-set; when another daemon moved
 * the step first, computes it again on theirs, so concurrent changes add up as if in turn.
 */
export async function changeStep<T>(
  steps: GuardSteps,
  scope: GuardScope,
  name: string,
  change: (held: FailureStep | null) => StepChange<T>,
): Promise<T> {
  for (let round = 0; round < MAX_CHANGE_ROUNDS; round++) {
    const held = await steps.read(scope, name);
    const { next, audit, answer } = change(held);
    if (next === 'keep' || (await steps.swap(scope, name, held, next, audit))) return answer;
  }
  throw new StoreError(
    ErrorCode.STORE_UNAVAILABLE,
    `the ${scope} count of ${name} changed under ${MAX_CHANGE_ROUNDS} attempts in a row; try again`,
  );
}

/**
 * This daemon's memory: bounded per scope, the least recently changed name forgotten first. A
 * change's audit row goes to `appendAudit` (the registry's) once the change is made.
 */
export class MemoryGuardSteps implements GuardSteps {
  private readonly scopes = new Map<GuardScope, Map<string, FailureStep>>();

  constructor(
    private readonly appendAudit?: (entry: AuditInput) => Promise<void>,
    private readonly capacity = DEFAULT_GUARD_CAPACITY,
  ) {}

  async read(scope: GuardScope, name: string): Promise<FailureStep | null> {
    return this.scopes.get(scope)?.get(name) ?? null;
  }

  async swap(
    scope: GuardScope,
    name: string,
    expected: FailureStep | null,
    next: FailureStep | null,
    audit?: AuditInput,
  ): Promise<boolean> {
    if (audit && (next === null || !this.appendAudit))
      throw new Error('guard steps: an audit row needs a step and somewhere to append it');
    let names = this.scopes.get(scope);
    if ((names?.get(name) ?? null) !== expected) return false;
    if (!names) this.scopes.set(scope, (names = new Map()));
    names.delete(name);
    if (next === null) return true;
    names.set(name, next);
    if (names.size > this.capacity) {
      const oldest = names.keys().next();
      if (!oldest.done) names.delete(oldest.value);
    }
    // In memory the change is made at once; its row follows, and a row that cannot be written
    // fails the change's caller as a registry fault would.
    if (audit) await this.appendAudit!(audit);
    return true;
  }

  /** Names held in `scope`. */
  size(scope: GuardScope): number {
    return this.scopes.get(scope)?.size ?? 0;
  }
}
