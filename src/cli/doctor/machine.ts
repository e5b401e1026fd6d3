import { constants, type Stats } from 'node:fs';
import { access, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Identity } from './types';

const OWNER_RW = 0o600; // rw- for the owner
const GROUP_RW = 0o060; // rw- for the group
const OTHER_RW = 0o006; // rw- for everyone else

/**
 * The machine as doctor sees it: absolute paths under an injectable root, and read/write access
 * judged for one identity. Every read returns undefined on any error: a missing file is a finding,
 * never a crash.
 */
export class Machine {
  readonly root: string;
  private readonly identity: Identity;
  /** Only the real process may ask the kernel (which knows about ACLs). */
  private readonly askKernel: boolean;

  constructor(root: string, identity?: Identity) {
    this.root = root;
    this.askKernel = identity === undefined;
    this.identity = identity ?? {
      uid: process.getuid?.() ?? -1,
      gids: process.getgroups?.() ?? [],
    };
  }

  get uid(): number {
    return this.identity.uid;
  }

  /** `/sys/class/hidraw` under the root. */
  path(absolute: string): string {
    return join(this.root, absolute);
  }

  async read(absolute: string): Promise<string | undefined> {
    return readFile(this.path(absolute), 'utf8').catch(() => undefined);
  }

  async list(absolute: string): Promise<string[] | undefined> {
    return readdir(this.path(absolute)).then(
      (names) => names.sort(),
      () => undefined,
    );
  }

  async stat(absolute: string): Promise<Stats | undefined> {
    return stat(this.path(absolute)).catch(() => undefined);
  }

  async exists(absolute: string): Promise<boolean> {
    return (await this.stat(absolute)) !== undefined;
  }

  /** The last component of a symlink's target (sysfs `driver` links name the bound driver). */
  async linkName(absolute: string): Promise<string | undefined> {
    return readlink(this.path(absolute)).then(basename, () => undefined);
  }

  /** Can this identity open the file for reading and writing? */
  async canReadWrite(absolute: string, info?: Stats): Promise<boolean> {
    const s = info ?? (await this.stat(absolute));
    if (s === undefined) return false;
    if (modeAllowsReadWrite(s, this.identity)) return true;
    if (!this.askKernel) return false;
    // udev's uaccess tag grants the seat user an ACL that the mode bits do not show.
    return access(this.path(absolute), constants.R_OK | constants.W_OK).then(
      () => true,
      () => false,
    );
  }
}

/** Classic Unix permission check: root passes; else the owner, group or other bits that apply. */
export function modeAllowsReadWrite(
  s: Pick<Stats, 'mode' | 'uid' | 'gid'>,
  who: Identity,
): boolean {
  if (who.uid === 0) return true;
  if (s.uid === who.uid) return (s.mode & OWNER_RW) === OWNER_RW;
  if (who.gids.includes(s.gid)) return (s.mode & GROUP_RW) === GROUP_RW;
  return (s.mode & OTHER_RW) === OTHER_RW;
}

/** `0644` style. */
export function octalMode(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}
