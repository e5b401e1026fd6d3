import { readFileSync } from 'node:fs';
import { chmod, chown, lstat, mkdir } from 'node:fs/promises';
import { ErrorCode, TokenBridgeError } from '../core';

/**
 * Who may reach the daemon besides its own user: the peer policy (the same rule as the page's TCP
 * connections). Empty lists: the daemon's own user only, which is the default.
 */
export interface PeerPolicy {
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

export const OWN_USER_ONLY: PeerPolicy = { users: [], groups: [] };

/**
 * How a Unix socket's folder and file carry a peer policy: a process can connect only when it may
 * search the folder and write the socket, so the gate is the owner (the daemon's user), the group
 * and the modes. Other users can be let in only through a group.
 */
export interface SocketAccess {
  readonly dirMode: number;
  readonly socketMode: number;
  /** The group given search on the folder and write on the socket; undefined: nobody but us. */
  readonly group?: string;
}

const OWNER_DIR = 0o700; // rwx for the daemon's user only
const OWNER_SOCKET = 0o600;
const GROUP_DIR = 0o710; // the group may pass through (connect), not list the folder
const GROUP_SOCKET = 0o660;

export type SocketAccessDecision =
  | { readonly ok: true; readonly access: SocketAccess }
  | { readonly ok: false; readonly reason: string; readonly access: SocketAccess };

/**
 * The socket access a peer policy asks for. What modes cannot express (another user by name, two
 * groups) is refused with the reason, and the decision falls back to the daemon's own user only:
 * a policy that cannot be applied must never open the socket wider.
 */
export function socketAccessFor(policy: PeerPolicy, self: string): SocketAccessDecision {
  const own: SocketAccess = { dirMode: OWNER_DIR, socketMode: OWNER_SOCKET };
  const others = policy.users.filter((u) => u !== self);
  if (others.length > 0)
    return {
      ok: false,
      reason: `a Unix socket admits other users only through a group, not by name (${others.join(', ')}): put them in one group and allow that`,
      access: own,
    };
  if (policy.groups.length > 1)
    return {
      ok: false,
      reason: `a Unix socket has one group, but ${policy.groups.length} are allowed (${policy.groups.join(', ')})`,
      access: own,
    };
  const group = policy.groups[0];
  if (group === undefined) return { ok: true, access: own };
  return { ok: true, access: { dirMode: GROUP_DIR, socketMode: GROUP_SOCKET, group } };
}

function accessError(message: string, cause?: unknown): TokenBridgeError {
  return new TokenBridgeError(ErrorCode.CONFIG_INVALID, message, { cause });
}

/**
 * Makes `dir` the socket's folder as `access` says: created if missing, refused when it is not a
 * folder or belongs to another user (someone could swap the socket), then given the mode and group.
 */
export async function prepareSocketDir(dir: string, access: SocketAccess): Promise<void> {
  await mkdir(dir, { recursive: true, mode: access.dirMode });
  const stat = await lstat(dir);
  const problem = socketDirProblem(dir, stat, process.getuid?.());
  if (problem !== undefined) throw accessError(problem);
  if (access.group !== undefined) await chown(dir, stat.uid, groupId(access.group));
  await chmod(dir, access.dirMode);
}

/**
 * Why a socket's folder cannot be used, or undefined: it must be a real folder (not a link to one
 * elsewhere) of the daemon's own user, or whoever owns it could swap the socket for their own.
 */
export function socketDirProblem(
  dir: string,
  stat: { isDirectory(): boolean; uid: number },
  uid: number | undefined,
): string | undefined {
  if (!stat.isDirectory()) return `${dir} is not a folder`;
  if (uid !== undefined && stat.uid !== uid)
    return `${dir} belongs to uid ${stat.uid}, not to the daemon's user (uid ${uid})`;
  return undefined;
}

/** Gives a socket file its mode and group. */
export async function applySocketAccess(path: string, access: SocketAccess): Promise<void> {
  if (access.group !== undefined) await chown(path, -1, groupId(access.group));
  await chmod(path, access.socketMode);
}

/** The id of a group named in /etc/group (or a number given as is). */
export function groupId(group: string, groupFile = '/etc/group'): number {
  if (/^\d+$/.test(group)) return Number(group);
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch (err) {
    throw accessError(`cannot read ${groupFile} to find group ${group}`, err);
  }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw accessError(`no group named ${group} in ${groupFile}`);
}
