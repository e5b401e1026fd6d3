import type { ResolvedConfig } from '../../config';
import { effectivePeerCheck, THIS_PLATFORM, type Platform } from '../../daemon/server-access';
import { AccountDb, ProcPeerLookup, readSecret, resolvePeerPolicy } from '../../server';
import type { CheckResult } from './types';

/**
 * Whether the daemon can tell who connects, as `serve` would set it up: on Linux the kernel's
 * socket table must be readable and every configured name must resolve; elsewhere the pages need
 * the install capability, which this check says plainly (a warning: it is the platform's limit).
 */
export async function checkPeerAccess(
  config: ResolvedConfig,
  platform: Platform = THIS_PLATFORM,
): Promise<CheckResult> {
  const base = { id: 'peer-check', title: 'who may connect' };
  const check = effectivePeerCheck(config.server.peerCheck, platform);
  if (check === 'capability') {
    const file = config.server.capabilityFile;
    try {
      const secret = await readSecret(file);
      return {
        ...base,
        status: 'warn',
        detail: `the daemon cannot tell which local user connects (${platform.os}${config.server.peerCheck === 'capability' ? ', server.peerCheck "capability"' : ''}): every local program may fetch the page, and the WebSocket needs the install capability (${file}${secret ? '' : ', created at first start'})`,
        fix: 'open the page with the link `tokenbridge url` prints; give other sites theirs with `tokenbridge url --origin ORIGIN`',
      };
    } catch (err) {
      return {
        ...base,
        status: 'fail',
        detail: err instanceof Error ? err.message : String(err),
        fix: `chmod 600 ${file}, or delete it to have a new one made (every page then needs the new link)`,
      };
    }
  }
  if (platform.os !== 'linux' || platform.uid === undefined)
    return {
      ...base,
      status: 'fail',
      detail: `server.peerCheck "uid" needs Linux; this is ${platform.os}`,
      fix: 'set server.peerCheck to "auto"',
    };
  const unreadable = await new ProcPeerLookup().probe();
  if (unreadable !== undefined)
    return {
      ...base,
      status: 'fail',
      detail: `cannot read the kernel's socket table (${unreadable}): the daemon would refuse to start`,
      fix: 'make /proc/net readable to the daemon (systemd: remove ProcSubset=pid), or set server.peerCheck to "capability"',
    };
  try {
    const policy = await resolvePeerPolicy(config.server, platform.uid, new AccountDb());
    const others = [...policy.uids].filter((u) => u !== policy.ownUid);
    const who = [
      'the daemon\u2019s own user',
      ...(others.length > 0 ? [`uid ${others.join(', ')}`] : []),
      ...(policy.gids.size > 0 ? [`members of gid ${[...policy.gids].join(', ')}`] : []),
    ];
    return {
      ...base,
      status: 'ok',
      detail: `by peer user (the kernel's socket table): ${who.join('; ')}; everyone else gets 403`,
    };
  } catch (err) {
    return {
      ...base,
      status: 'fail',
      detail: err instanceof Error ? err.message : String(err),
      fix: 'correct the name in the configuration (getent passwd NAME / getent group NAME)',
    };
  }
}
