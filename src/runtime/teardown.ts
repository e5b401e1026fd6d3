/**
 * Closes what a command or the daemon opened, in reverse order, within one time budget: a part that
 * hangs past its share is left behind so that the parts opened before it (the store among them)
 * still close, and a stopping daemon exits in time.
 */
export class Teardown {
  private readonly steps: Array<{ name: string; run: () => Promise<void> | void }> = [];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly onFailure: (name: string, err: unknown) => void,
    /** The whole budget (systemd's 5 s stop timeout less a margin for the process exit). */
    private readonly budgetMs = CLOSE_BUDGET_MS,
  ) {}

  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }

  /** Idempotent: later calls wait for the first one. */
  run(): Promise<void> {
    this.closing ??= this.unwind();
    return this.closing;
  }

  private async unwind(): Promise<void> {
    const deadline = Date.now() + this.budgetMs;
    for (const step of this.steps.splice(0).reverse()) {
      const budget = Math.max(CLOSE_STEP_MIN_MS, deadline - Date.now());
      await withDeadline(Promise.resolve().then(step.run), budget).catch((err: unknown) =>
        this.onFailure(step.name, err),
      );
    }
  }
}

/** The daemon stops within 2 s of SIGTERM; this leaves a margin for the rest of the exit. */
export const CLOSE_BUDGET_MS = 1700;
/** The least any one part is given, even when earlier parts used the budget up. */
const CLOSE_STEP_MIN_MS = 50;

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
