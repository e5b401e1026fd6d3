import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fixes } from './fixes';
import { octalMode } from './machine';
import type { CheckResult } from './types';

/** Group and other permission bits: a seed key or registry must have none of them. */
const GROUP_OTHER_BITS = 0o077;

interface FileRole {
  readonly id: string;
  readonly title: string;
  readonly path: string;
}

/**
 * The registry and its seed key: private to the daemon's user (mode 0600, owned by it). Both
 * missing is fine (the first start creates them); a registry without its key is not (its seeds
 * cannot be decrypted). Paths come from the configuration, so they are not under the machine root.
 */
export async function checkStoreFiles(
  storePath: string,
  keyFile: string,
  uid: number,
): Promise<CheckResult[]> {
  const store: FileRole = { id: 'store-file', title: 'token registry', path: storePath };
  const key: FileRole = { id: 'key-file', title: 'seed key', path: keyFile };
  const storeInfo = await stat(storePath).catch(() => undefined);
  const keyInfo = await stat(keyFile).catch(() => undefined);
  return [
    judge(store, storeInfo, uid, 'created on first start'),
    keyInfo === undefined && storeInfo !== undefined
      ? {
          id: key.id,
          title: key.title,
          status: 'fail',
          detail: `${keyFile} is missing but the registry ${storePath} exists: its seeds cannot be decrypted`,
          fix: 'restore the key file from the backup taken with the registry (or set store.keyFile to it)',
        }
      : judge(key, keyInfo, uid, 'created (0600) on first start'),
  ];
}

function judge(
  role: FileRole,
  info: Stats | undefined,
  uid: number,
  whenMissing: string,
): CheckResult {
  const base = { id: role.id, title: role.title };
  if (info === undefined)
    return { ...base, status: 'ok', detail: `${role.path} does not exist yet: ${whenMissing}` };
  if (!info.isFile())
    return {
      ...base,
      status: 'fail',
      detail: `${role.path} is not a regular file`,
      fix: `move it away; the daemon creates ${role.path}`,
    };
  const mode = octalMode(info.mode);
  if ((info.mode & GROUP_OTHER_BITS) !== 0)
    return {
      ...base,
      status: 'fail',
      detail: `${role.path} has mode ${mode}: group or others can read it (expected 0600)`,
      fix: fixes.chmod(role.path),
    };
  if (info.uid !== uid && uid !== 0)
    return {
      ...base,
      status: 'warn',
      detail: `${role.path} is owned by uid ${info.uid}, not by this user (uid ${uid})`,
      fix: fixes.chown(role.path, uid),
    };
  return { ...base, status: 'ok', detail: `${role.path}: mode ${mode}, owner uid ${info.uid}` };
}
