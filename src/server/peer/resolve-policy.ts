import { ErrorCode, TokenBridgeError } from '../../core';
import type { AccountDb } from './account-db';
import { numericId } from './accounts';
import { peerPolicy, type PeerPolicy } from './peer-policy';

/** An allowUsers / allowGroups entry that names no account: the daemon does not start. */
export class PeerPolicyError extends TokenBridgeError {
  constructor(message: string) {
    super(ErrorCode.PEER_CHECK, message);
  }
}

export interface PolicyEntries {
  /** `server.allowUsers`: names or decimal uids. */
  readonly allowUsers: readonly string[];
  /** `server.allowGroups`: names or decimal gids. */
  readonly allowGroups: readonly string[];
}

/**
 * The configured names as ids, with the daemon's own uid: every name must resolve (a typo in a
 * kiosk's allowUsers would otherwise lock its seat user out, or worse, be read later as someone
 * else's account). Decimal ids are taken as they are, known to the account database or not.
 */
export async function resolvePeerPolicy(
  entries: PolicyEntries,
  ownUid: number,
  accounts: AccountDb,
): Promise<PeerPolicy> {
  const uids = await Promise.all(
    entries.allowUsers.map((entry) =>
      resolve(entry, (name) => accounts.uidOf(name), 'server.allowUsers', 'user'),
    ),
  );
  const gids = await Promise.all(
    entries.allowGroups.map((entry) =>
      resolve(entry, (name) => accounts.gidOf(name), 'server.allowGroups', 'group'),
    ),
  );
  return peerPolicy(ownUid, uids, gids);
}

async function resolve(
  entry: string,
  lookup: (name: string) => Promise<number | undefined>,
  key: string,
  what: string,
): Promise<number> {
  const id = numericId(entry);
  if (id !== undefined) return id;
  const found = await lookup(entry.trim());
  if (found === undefined) throw new PeerPolicyError(`${key}: no ${what} named "${entry}" here`);
  return found;
}
