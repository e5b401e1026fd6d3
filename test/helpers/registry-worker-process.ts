import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(__dirname, 'registry-worker.ts');
const REGISTER = join(__dirname, 'swc-register.cjs');

/** A registry-worker.ts child process with line-by-line access to its stdout. */
export class RegistryWorker {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private buffer = '';
  private waiters: Array<() => void> = [];
  private read = 0;

  constructor(store: string, keyFile: string, serial: string, mode: 'lines' | 'loop') {
    this.child = spawn(process.execPath, ['-r', REGISTER, WORKER, store, keyFile, serial, mode], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      const parts = this.buffer.split('\n');
      // A line cut off by SIGKILL has no newline: it was never fully printed and is not counted.
      this.buffer = parts.pop()!;
      this.lines.push(...parts);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.stderr!.resume();
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        for (const wake of this.waiters.splice(0)) wake();
        resolve({ code, signal });
      });
    });
  }

  /** The next complete stdout line, in order. */
  async next(): Promise<string> {
    while (this.read >= this.lines.length) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`worker exited; lines so far: ${this.lines.join(' | ')}`);
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.lines[this.read++]!;
  }

  send(line: string): void {
    this.child.stdin!.write(line + '\n');
  }

  async end(): Promise<void> {
    this.child.stdin!.end();
    await this.exited;
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
