import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePasswd } from '../../src/server/peer/accounts';
import { OutputWatch } from './output-watch';

/**
 * Processes under other users, for the peer-user gate: the tests run as root in CI, so they can
 * start a child with another `uid`/`gid` (node sets both, and drops the supplementary groups).
 * When not root they are skipped, and the skipped test's name says why.
 */
export const AS_ROOT = process.getuid?.() === 0;
export const NOT_ROOT_REASON = 'skipped: not root, so no client can be started under another uid';

export interface Account {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** An account of this machine by name (nobody, daemon: every Debian has them). */
export function account(name: string): Account {
  const entry = parsePasswd(readFileSync('/etc/passwd', 'utf8')).find((p) => p.name === name);
  if (!entry) throw new Error(`no account ${name} in /etc/passwd`);
  return entry;
}

const CLIENT = join(__dirname, '..', 'fixtures', 'peer', 'peer-client.cjs');

/** The peer client (test/fixtures/peer/peer-client.cjs) running as `who`, one JSON line per step. */
export class PeerClient {
  readonly out: OutputWatch;
  /** Its stderr, kept apart so that stdout stays one JSON value per line. */
  readonly err: OutputWatch;
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(who: Account, args: string[]) {
    this.child = spawn(process.execPath, [CLIENT, ...args], {
      uid: who.uid,
      gid: who.gid,
      cwd: '/',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TB_WS_MODULE: require.resolve('ws') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.out = new OutputWatch(this.child.stdout!);
    this.err = new OutputWatch(this.child.stderr!);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        this.out.end(`the client exited with ${code}: ${this.err.text}`);
        resolve(code);
      }),
    );
  }

  /** The next JSON line after the `n` lines already read. */
  async line(n: number): Promise<Record<string, unknown>> {
    await this.out.when((t) => t.split('\n').length > n + 1, `line ${n + 1}`);
    return JSON.parse(this.out.text.split('\n')[n]!) as Record<string, unknown>;
  }

  /** Lets a ws client go on to its guesses. */
  go(): void {
    this.child.stdin!.write('go\n');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill();
    await this.exited;
  }
}
