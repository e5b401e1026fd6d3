import { userInfo } from 'node:os';
import type { ResolvedConfig } from '../config';
import {
  OWN_USER_ONLY,
  socketAccessFor,
  type PeerPolicy,
  type SocketAccessDecision,
} from './socket-access';

/**
 * The peer policy the configuration gives the daemon's local sockets. Until the configuration has
 * one (`allowUsers`/`allowGroups`, the same rule as the page's TCP connections), only the daemon's
 * own user.
 */
export function peerPolicyOf(_config: ResolvedConfig): PeerPolicy {
  return OWN_USER_ONLY;
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
