import { ErrorCode, TokenBridgeError } from '../core';
import type { ResolvedConfig } from '../config';
import {
  AccountDb,
  capabilityAccess,
  loadOrCreateCapabilitySecret,
  ProcPeerLookup,
  resolvePeerPolicy,
  uidAccess,
  type PeerCheck,
  type ServerAccess,
} from '../server';

/** Where the process runs and as whom; the real process unless a test says otherwise. */
export interface Platform {
  readonly os: NodeJS.Platform;
  /** The daemon's own uid (undefined where there are no uids: Windows). */
  readonly uid: number | undefined;
}

export const THIS_PLATFORM: Platform = { os: process.platform, uid: process.getuid?.() };

/**
 * `server.peerCheck` for this platform: `auto` is the uid check where the kernel says who owns a
 * loopback socket (Linux: /proc/net/tcp), and the install capability elsewhere (macOS, Windows).
 */
export function effectivePeerCheck(
  setting: ResolvedConfig['server']['peerCheck'],
  platform: Platform = THIS_PLATFORM,
): PeerCheck {
  if (setting !== 'auto') return setting;
  return platform.os === 'linux' && platform.uid !== undefined ? 'uid' : 'capability';
}

/** The server's access rule from the configuration; the daemon does not start when it cannot hold. */
export async function serverAccessOf(
  config: ResolvedConfig,
  platform: Platform = THIS_PLATFORM,
): Promise<ServerAccess> {
  const check = effectivePeerCheck(config.server.peerCheck, platform);
  if (check === 'capability')
    return capabilityAccess(await loadOrCreateCapabilitySecret(config.server.capabilityFile));
  if (platform.os !== 'linux' || platform.uid === undefined)
    throw new TokenBridgeError(
      ErrorCode.PEER_CHECK,
      `server.peerCheck "uid" needs Linux (the kernel's socket table); this is ${platform.os}: use "auto" or "capability"`,
    );
  const lookup = new ProcPeerLookup();
  const unreadable = await lookup.probe();
  if (unreadable !== undefined)
    // Failing closed: without the table no connection could be admitted, so say so at start.
    throw new TokenBridgeError(
      ErrorCode.PEER_CHECK,
      `cannot tell which user a connection comes from (${unreadable}); the daemon will not admit everyone instead. Make /proc/net readable to it (systemd: no ProcSubset=pid), or set server.peerCheck to "capability"`,
    );
  const accounts = new AccountDb();
  const policy = await resolvePeerPolicy(config.server, platform.uid, accounts);
  return uidAccess(policy, lookup, accounts);
}
