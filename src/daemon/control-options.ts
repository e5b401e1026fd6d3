import { userInfo } from 'node:os';
import type { ResolvedConfig } from '../config';
import {
  OWN_USER_ONLY,
  socketAccessFor,
  type PeerPolicy,
  type SocketAccessDecision,
} from './socket-access';

/**
 * The peer policy the configuration gives the daemon's local sockets: the same names as the page's
 * TCP connections (`server.allowUsers`, `server.allowGroups`); none, the daemon's own user only.
 */
export function peerPolicyOf(config: ResolvedConfig): PeerPolicy {
  const { allowUsers, allowGroups } = config.server;
  if (allowUsers.length === 0 && allowGroups.length === 0) return OWN_USER_ONLY;
  return { users: allowUsers, groups: allowGroups };
}

/** Where the control socket listens, and the access its folder and file get. */
export function controlOptionsOf(config: ResolvedConfig): {
  socketPath: string;
  decision: SocketAccessDecision;
} {
  return {
    socketPath: config.server.controlSocket,
    decision: socketAccessFor(peerPolicyOf(config), userInfo().username),
  };
}
