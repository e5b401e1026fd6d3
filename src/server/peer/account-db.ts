import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  groupsOfUid,
  parseGroup,
  parsePasswd,
  type GroupEntry,
  type PasswdEntry,
} from './accounts';

/** How long `id` / `getent` may take for an account the files do not hold (LDAP, sssd). */
const LOOKUP_TIMEOUT_MS = 3000;

interface Snapshot {
  readonly stamp: string;
  readonly passwd: readonly PasswdEntry[];
  readonly groups: readonly GroupEntry[];
}

/**
 * The machine's accounts: /etc/passwd and /etc/group (re-read when either changes), and for
 * accounts those files do not hold (a directory service behind NSS), `id` and `getent`, which ask
 * the C library. Used at start to resolve the configured names and per connection for the groups
 * of a peer whose uid is not admitted by itself.
 */
export class AccountDb {
  private snapshot: Promise<Snapshot> | undefined;

  constructor(private readonly etc = '/etc') {}

  async uidOf(name: string): Promise<number | undefined> {
    const { passwd } = await this.current();
    const entry = passwd.find((p) => p.name === name);
    if (entry) return entry.uid;
    const out = await run('id', ['-u', '--', name]);
    return out !== undefined && /^\d+$/.test(out) ? Number(out) : undefined;
  }

  async gidOf(name: string): Promise<number | undefined> {
    const { groups } = await this.current();
    const entry = groups.find((g) => g.name === name);
    if (entry) return entry.gid;
    const out = await run('getent', ['group', '--', name]);
    const gid = out?.split(':')[2];
    return gid !== undefined && /^\d+$/.test(gid) ? Number(gid) : undefined;
  }

  /** The uid's primary and supplementary groups; [] for a uid no database knows. */
  async groupsOf(uid: number): Promise<number[]> {
    const { passwd, groups } = await this.current();
    const fromFiles = groupsOfUid(uid, passwd, groups);
    if (fromFiles !== undefined) return fromFiles;
    const out = await run('id', ['-G', '--', String(uid)]);
    if (out === undefined) return [];
    return out
      .split(/\s+/)
      .filter((g) => /^\d+$/.test(g))
      .map(Number);
  }

  private async current(): Promise<Snapshot> {
    const stamp = await this.stamp();
    const cached = this.snapshot ? await this.snapshot : undefined;
    if (cached && cached.stamp === stamp) return cached;
    this.snapshot = (async () => {
      const [passwd, groups] = await Promise.all([
        readFile(join(this.etc, 'passwd'), 'utf8').catch(() => ''),
        readFile(join(this.etc, 'group'), 'utf8').catch(() => ''),
      ]);
      return { stamp, passwd: parsePasswd(passwd), groups: parseGroup(groups) };
    })();
    return this.snapshot;
  }

  /** Changes when either file is replaced or written (useradd, usermod -aG). */
  private async stamp(): Promise<string> {
    const parts = await Promise.all(
      ['passwd', 'group'].map((f) =>
        stat(join(this.etc, f)).then(
          (s) => `${s.ino}:${s.mtimeMs}:${s.size}`,
          () => '-',
        ),
      ),
    );
    return parts.join('/');
  }
}

/** stdout of a lookup command, trimmed; undefined when it fails (unknown account, no command). */
function run(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: LOOKUP_TIMEOUT_MS }, (err, stdout) => {
      resolve(err ? undefined : String(stdout).trim());
    });
  });
}
