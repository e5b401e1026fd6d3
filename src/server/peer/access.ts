import type { Socket } from 'node:net';
import type { AccountDb } from './account-db';
import { capabilityMatches } from './capability';
import { addressKey } from './ip-address';
import { decidePeer, needsGroups, type PeerDecision, type PeerPolicy } from './peer-policy';
import type { ProcPeerLookup } from './proc-peer-lookup';

/** How the daemon tells who connects: by the peer socket's owner, or by the install capability. */
export type PeerCheck = 'uid' | 'capability';

/** A connection the capability mode lets through to the upgrade check (no uid is known). */
export type ConnectionVerdict = PeerDecision | { readonly admit: true; readonly uid: null };

/**
 * Who may use the server, for every TCP connection before a byte of it is read, and for every
 * WebSocket upgrade. The daemon builds it from the configuration (src/daemon/server-access.ts).
 */
export interface ServerAccess {
  readonly peerCheck: PeerCheck;
  /** The uid policy (uid mode); the control socket takes its modes from it. */
  readonly policy: PeerPolicy | undefined;
  admitConnection(socket: Socket): Promise<ConnectionVerdict>;
  /** True when the upgrade from `origin` (normalised) may proceed as far as access goes. */
  admitUpgrade(origin: string, offeredCapability: string | undefined): boolean;
}

/** Linux: the owner of the client's socket, from the kernel's socket table, against the policy. */
export function uidAccess(
  policy: PeerPolicy,
  lookup: ProcPeerLookup,
  accounts: AccountDb,
): ServerAccess {
  return {
    peerCheck: 'uid',
    policy,
    async admitConnection(socket) {
      const daemon = addressKey(socket.localAddress ?? '');
      const client = addressKey(socket.remoteAddress ?? '');
      const [localPort, remotePort] = [socket.localPort, socket.remotePort];
      if (!daemon || !client || localPort === undefined || remotePort === undefined)
        return decidePeer(policy, { found: false });
      const row = await lookup.lookup({
        daemon: { address: daemon, port: localPort },
        client: { address: client, port: remotePort },
      });
      const groups =
        row !== 'unreadable' && row.found && row.inode !== 0 && needsGroups(policy, row.uid)
          ? await accounts.groupsOf(row.uid)
          : [];
      return decidePeer(policy, row, groups);
    },
    admitUpgrade: () => true,
  };
}

/**
 * Elsewhere: any connection reaches the HTTP server (the page and /healthz hold no secret), and a
 * WebSocket needs the capability of its origin.
 */
export function capabilityAccess(secret: Uint8Array): ServerAccess {
  return {
    peerCheck: 'capability',
    policy: undefined,
    admitConnection: () => Promise.resolve({ admit: true, uid: null }),
    admitUpgrade: (origin, offered) => capabilityMatches(secret, origin, offered),
  };
}
