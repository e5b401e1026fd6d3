import type { PeerRow } from './proc-net-tcp';

/**
 * Who may connect to the daemon, in ids: the daemon's own user always, plus the configured users
 * (`server.allowUsers`) and the members of the configured groups (`server.allowGroups`). Resolved
 * from names once at start (resolve-policy.ts). The local control socket carries the same names as
 * its folder's group and modes (src/daemon/socket-access.ts).
 */
export interface PeerPolicy {
  /** The daemon's own uid; always admitted. */
  readonly ownUid: number;
  /** Every admitted uid (ownUid among them). */
  readonly uids: ReadonlySet<number>;
  /** Members of these groups (primary or supplementary) are admitted. */
  readonly gids: ReadonlySet<number>;
}

export function peerPolicy(
  ownUid: number,
  uids: Iterable<number> = [],
  gids: Iterable<number> = [],
): PeerPolicy {
  return { ownUid, uids: new Set([ownUid, ...uids]), gids: new Set(gids) };
}

/** Why a connection was refused: the log line's `reason`. */
export type PeerRefusal =
  'user not allowed' | 'peer socket not found' | 'peer socket released' | 'peer table unreadable';

export type PeerDecision =
  | { readonly admit: true; readonly uid: number }
  | { readonly admit: false; readonly uid: number | null; readonly reason: PeerRefusal };

/** Does the uid need its groups looked up before `decidePeer` can answer? */
export function needsGroups(policy: PeerPolicy, uid: number): boolean {
  return !policy.uids.has(uid) && policy.gids.size > 0;
}

/**
 * The decision for one connection, from what the socket table said about the client's socket and
 * (when the policy names groups) the groups of its owner. Fails closed: a table that could not be
 * read, a socket that is not in it, and a socket no process holds any more (inode 0: closed,
 * orphaned, or a time-wait entry, which the kernel shows as uid 0) are all refused.
 */
export function decidePeer(
  policy: PeerPolicy,
  row: PeerRow | 'unreadable',
  groups: readonly number[] = [],
): PeerDecision {
  if (row === 'unreadable') return { admit: false, uid: null, reason: 'peer table unreadable' };
  if (!row.found) return { admit: false, uid: null, reason: 'peer socket not found' };
  if (row.inode === 0) return { admit: false, uid: null, reason: 'peer socket released' };
  if (policy.uids.has(row.uid)) return { admit: true, uid: row.uid };
  if (groups.some((g) => policy.gids.has(g))) return { admit: true, uid: row.uid };
  return { admit: false, uid: row.uid, reason: 'user not allowed' };
}
