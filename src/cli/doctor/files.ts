import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fixes } from './fixes';
import { octalMode } from './machine';
import type { CheckResult } from './types';

/** Group and other permission bits: a seed key or registry must have none of them. */
const GROUP_OTHER_BITS = 0o077;
/** Write on a folder: whoever has it can delete, replace or plant the files in it. */
const GROUP_OTHER_WRITE = 0o022;

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
  const storeInfo = await look(storePath);
  const keyInfo = await look(keyFile);
  const storeDir = dirname(storePath);
  const keyDir = dirname(keyFile);
  return [
    await judgeFolder(
      'store-folder',
      storeDir,
      storeDir === keyDir ? 'registry and seed key' : 'registry',
    ),
    ...(storeDir === keyDir ? [] : [await judgeFolder('key-folder', keyDir, 'seed key')]),
    judge(store, storeInfo, uid, 'created on first start'),
    keyInfo === undefined && storeInfo !== undefined && !('unseen' in storeInfo)
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

/** Why doctor could not stat a path (EACCES, ENOTDIR): no verdict on what the daemon sees. */
interface Unseen {
  readonly unseen: string;
}

/** stat(2): undefined when nothing is there. */
async function look(path: string): Promise<Stats | undefined | Unseen> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return code === 'ENOENT' ? undefined : { unseen: code };
  }
}

function unseen(base: { id: string; title: string }, path: string, why: Unseen): CheckResult {
  return {
    ...base,
    status: 'warn',
    detail: `cannot look at ${path} (${why.unseen})`,
    fix: 'run doctor as the user the daemon runs as (sudo -u tokenbridge tokenbridge doctor for the system service)',
  };
}

function judge(
  role: FileRole,
  info: Stats | undefined | Unseen,
  uid: number,
  whenMissing: string,
): CheckResult {
  const base = { id: role.id, title: role.title };
  if (info !== undefined && 'unseen' in info) return unseen(base, role.path, info);
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

/**
 * The folders the registry and the key live in. The daemon creates them 0700 (systemd's
 * StateDirectoryMode too), but a listable folder such as /etc/tokenbridge (0755) is fine: the files
 * in it are 0600. A folder others can write is not: they could swap the registry for their own,
 * or plant a key before the first start.
 */
async function judgeFolder(id: string, path: string, holds: string): Promise<CheckResult> {
  const base = { id, title: `${holds} folder` };
  const info = await look(path);
  if (info !== undefined && 'unseen' in info) return unseen(base, path, info);
  if (info === undefined)
    return {
      ...base,
      status: 'ok',
      detail: `${path} does not exist yet: created (0700) on first start`,
    };
  if (!info.isDirectory())
    return {
      ...base,
      status: 'fail',
      detail: `${path} is not a folder`,
      fix: `move it away; the daemon creates ${path}`,
    };
  const mode = octalMode(info.mode);
  if ((info.mode & GROUP_OTHER_WRITE) !== 0)
    return {
      ...base,
      status: 'fail',
      detail: `${path} has mode ${mode}: group or others can replace the ${holds} in it (expected 0700)`,
      fix: fixes.chmodFolder(path),
    };
  return { ...base, status: 'ok', detail: `${path}: mode ${mode}` };
}
