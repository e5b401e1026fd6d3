import type { Readable } from 'node:stream';

/**
 * The text a command writes, collected as it comes, with waits for the line that says something is
 * ready: a test waits for that, not for a fixed time that is too long locally and too short on CI.
 */
export class OutputWatch {
  private buffer = '';
  private ended: string | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(...streams: Readable[]) {
    for (const stream of streams) {
      stream.on('data', (chunk: Buffer | string) => {
        this.buffer += chunk.toString();
        this.wake();
      });
    }
  }

  get text(): string {
    return this.buffer;
  }

  /** No more output will come (the command returned or the process exited): waits fail at once. */
  end(why: string): void {
    this.ended ??= why;
    this.wake();
  }

  /** Resolves with the first match of `pattern` (not global) in the output, now or once written. */
  async until(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    let match: RegExpExecArray | null = null;
    await this.when((text) => (match = pattern.exec(text)) !== null, String(pattern), timeoutMs);
    return match!;
  }

  /** Resolves once `check` holds for the output so far; `what` names it when it never does. */
  async when(check: (text: string) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.wake();
    }, timeoutMs);
    try {
      while (!check(this.buffer)) {
        if (this.ended !== undefined || timedOut) {
          const why = timedOut ? `within ${timeoutMs} ms` : `before ${this.ended}`;
          throw new Error(`no output with ${what} ${why}; the output was:\n${this.buffer}`);
        }
        await new Promise<void>((resolve) => this.waiters.add(resolve));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private wake(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }
}
