import { existsSync } from 'node:fs';
import type { ResolvedConfig } from '../../config';
import { silentLogger } from '../../core';
import { Runtime } from '../../runtime';
import type { CheckResult } from './types';

/**
 * The registry as the daemon would open it: for a fleet, the connection, TLS, the schema version
 * and this node's key fingerprint against the one the fleet's registry was created with (a node
 * with the wrong key is told before it fails every verification); for the SQLite file, its
 * integrity and schema. Looks only: no migration, no key file created, a missing file left missing.
 */
export async function checkRegistry(
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv,
): Promise<CheckResult[]> {
  const fleet = config.store.url !== null;
  if (!fleet && !existsSync(config.store.path)) return [];
  const runtime = new Runtime({ config, logger: silentLogger(), env, inspectStore: true });
  const title = fleet ? 'fleet registry' : 'token registry';
  try {
    const store = await runtime.store();
    const checks = await store.check();
    return checks.map((c) => ({
      id: `registry-${c.name}`,
      title: `${title}: ${c.name}`,
      status: c.ok ? 'ok' : 'fail',
      detail: c.detail,
      ...(c.ok ? {} : { fix: fixFor(c.name, fleet) }),
    }));
  } catch (err) {
    return [
      {
        id: 'registry-open',
        title,
        status: 'fail',
        detail: err instanceof Error ? err.message : String(err),
        fix: fleet
          ? 'see docs/fleet.md: the server, the role and database, TLS, the shared key'
          : 'restore the registry and its key from the backup taken together',
      },
    ];
  } finally {
    await runtime.close();
  }
}

function fixFor(check: string, fleet: boolean): string {
  switch (check) {
    case 'connection':
      return 'is the server up and reachable? check store.url, store.passwordFile and pg_hba.conf (docs/fleet.md)';
    case 'tls':
      return 'use sslmode=verify-full with sslrootcert= the CA that signed the server certificate';
    case 'schema':
      return fleet
        ? 'run: tokenbridge store migrate (or upgrade tokenbridge when the schema is newer)'
        : 'run: tokenbridge store migrate';
    case 'key':
      return 'copy the fleet\'s key file to this node (docs/fleet.md, "The shared key")';
    default:
      return 'restore the registry from a backup';
  }
}
