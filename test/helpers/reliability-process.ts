import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(__dirname, 'swc-register.cjs');

/** A TypeScript script in a child node process (swc register), with its stdout line by line. */
export class ScriptProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  private buffer = '';
  private waiters: Array<() => void> = [];
  private read = 0;

  constructor(script: string, args: readonly string[]) {
    this.child = spawn(process.execPath, ['-r', REGISTER, script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      const parts = this.buffer.split('\n');
      // A line cut off by SIGKILL has no newline: it was never fully printed.
      this.buffer = parts.pop()!;
      this.lines.push(...parts);
      this.wake();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      if (this.stderr.join('').length < 20_000) this.stderr.push(chunk);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.wake();
        resolve({ code, signal });
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The next complete stdout line, or undefined once the process has exited without one. */
  async next(timeoutMs = 30_000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.read >= this.lines.length) {
      if (!this.running) return undefined;
      if (Date.now() > deadline) throw new Error(`no line within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.lines[this.read++]!;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
