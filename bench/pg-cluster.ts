import { spawn, type SpawnOptions } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL cluster for the tests and the benchmarks: Debian's server binaries,
 * `initdb` into a temporary folder, `pg_ctl` on a free loopback port (and a Unix socket in the same
 * folder), run as an unprivileged account when we are root (the server refuses to run as root),
 * stopped and deleted afterwards. No mock, no in-memory imitation: the real server.
 */
export interface PgClusterInfo {
  readonly bin: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly socketDir: string;
  /** The superuser the tests connect as, with a password (scram-sha-256 over TCP). */
  readonly user: string;
  /** A file holding that password (mode 0600), as `store.passwordFile` would name it. */
  readonly passwordFile: string;
  readonly password: string;
  /** The uid the server runs as (ours, or the unprivileged account's when we are root). */
  readonly uid: number;
  readonly gid: number;
  /**
   * The CA that signed the server's certificate (for 127.0.0.1 and localhost): the server takes
   * TLS and plain connections alike, so tests can use every sslmode.
   */
  readonly caFile: string;
}

/** Debian installs the server under /usr/lib/postgresql/VERSION/bin; TOKENBRIDGE_PG_BIN overrides. */
const DEBIAN_PG_ROOT = '/usr/lib/postgresql';
/** The account the server runs as when the tests run as root (CI): it owns nothing else. */
const UNPRIVILEGED_ACCOUNT = { name: 'nobody', uid: 65534, gid: 65534 };
const SUPERUSER = 'tokenbridge';
const START_TIMEOUT_S = 30;

export function findPgBin(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.TOKENBRIDGE_PG_BIN;
  if (explicit) return explicit;
  const versions = existsSync(DEBIAN_PG_ROOT)
    ? readdirSync(DEBIAN_PG_ROOT)
        .filter((v) => existsSync(join(DEBIAN_PG_ROOT, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `no PostgreSQL server found under ${DEBIAN_PG_ROOT}: run scripts/setup.sh (it installs Debian's postgresql), or set TOKENBRIDGE_PG_BIN`,
    );
  }
  return join(DEBIAN_PG_ROOT, versions[0]!, 'bin');
}

export async function startPgCluster(options: { fsync: boolean }): Promise<PgClusterInfo> {
  const bin = findPgBin();
  const root = process.getuid?.() === 0;
  const account = root ? UNPRIVILEGED_ACCOUNT : { uid: process.getuid!(), gid: process.getgid!() };
  const dir = mkdtempSync(join(tmpdir(), 'tokenbridge-pg-'));
  const dataDir = join(dir, 'data');
  const password = `tb-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const initPassword = join(dir, 'initdb-password');
  writeFileSync(initPassword, `${password}\n`, { mode: 0o600 });
  if (root) {
    chownSync(dir, account.uid, account.gid);
    chownSync(initPassword, account.uid, account.gid);
  }
  const as: SpawnOptions = {
    ...(root ? { uid: account.uid, gid: account.gid } : {}),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: dir },
    cwd: dir,
  };
  await run(
    join(bin, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      SUPERUSER,
      `--pwfile=${initPassword}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ],
    as,
  );
  rmSync(initPassword);
  const port = await freePort();
  const caFile = await makeCertificates(dir, dataDir, as);
  // In postgresql.conf (not pg_ctl -o) so that a later `pg_ctl start` keeps them.
  const settings = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    'max_connections = 200',
    `fsync = ${options.fsync ? 'on' : 'off'}`,
    'shared_buffers = 64MB',
    'ssl = on',
    "ssl_cert_file = 'server.crt'",
    "ssl_key_file = 'server.key'",
  ];
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    `\n# tokenbridge test cluster\n${settings.join('\n')}\n`,
  );
  await run(
    join(bin, 'pg_ctl'),
    ['-D', dataDir, '-l', join(dir, 'server.log'), '-w', '-t', String(START_TIMEOUT_S), 'start'],
    as,
  );
  const info: PgClusterInfo = {
    bin,
    dir,
    dataDir,
    host: '127.0.0.1',
    port,
    socketDir: dir,
    user: SUPERUSER,
    passwordFile,
    password,
    uid: account.uid,
    gid: account.gid,
    caFile,
  };
  return info;
}

/**
 * A throwaway CA and a server certificate it signs, for 127.0.0.1 and localhost. The key and
 * certificate go into the data folder as the server's account (it refuses a key others can read).
 */
async function makeCertificates(dir: string, dataDir: string, as: SpawnOptions): Promise<string> {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=tokenbridge test CA',
      '-keyout',
      caKey,
      '-out',
      caFile,
    ],
    as,
  );
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  if (as.uid !== undefined) chownSync(ext, as.uid, as.gid!);
  await run(
    'openssl',
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(dataDir, 'server.key'),
      '-out',
      csr,
    ],
    as,
  );
  await run(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      caFile,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      ext,
      '-out',
      join(dataDir, 'server.crt'),
    ],
    as,
  );
  return caFile;
}

/** pg_ctl as the server's account: stop (fast or immediate), start again, or restart. */
export async function pgCtl(
  info: PgClusterInfo,
  action: 'stop' | 'start' | 'restart',
  mode: 'fast' | 'immediate' = 'fast',
): Promise<void> {
  const as: SpawnOptions = {
    ...(process.getuid?.() === 0 ? { uid: info.uid, gid: info.gid } : {}),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: info.dir },
    cwd: info.dir,
  };
  const args = [
    '-D',
    info.dataDir,
    '-l',
    join(info.dir, 'server.log'),
    '-w',
    '-t',
    String(START_TIMEOUT_S),
  ];
  if (action !== 'start') args.push('-m', mode);
  args.push(action);
  // restart/start keep the settings the cluster was started with (postmaster.opts).
  await run(join(info.bin, 'pg_ctl'), args, as);
}

export async function stopPgCluster(info: PgClusterInfo): Promise<void> {
  try {
    await pgCtl(info, 'stop', 'immediate');
  } finally {
    rmSync(info.dir, { recursive: true, force: true });
  }
}

/** A libpq URI for a database of the cluster (no password: that is in `passwordFile`). */
export function clusterUrl(info: PgClusterInfo, database: string): string {
  return `postgres://${info.user}@${info.host}:${info.port}/${database}?sslmode=disable`;
}

/** Our own user name, for messages. */
export function whoRunsTheServer(info: PgClusterInfo): string {
  return info.uid === UNPRIVILEGED_ACCOUNT.uid ? UNPRIVILEGED_ACCOUNT.name : userInfo().username;
}

function run(command: string, args: string[], options: SpawnOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-2000)}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Linux's clock ticks per second for /proc/PID/stat times (USER_HZ, 100 on every Linux ABI). */
const USER_HZ = 100;
/** utime and stime: fields 14 and 15 of /proc/PID/stat, counted after the `(comm)` field. */
const STAT_UTIME_AFTER_COMM = 11;
const STAT_PPID_AFTER_COMM = 1;

/**
 * CPU time (microseconds, user + system) the cluster's server has used so far: the postmaster
 * and every process it started (backends, WAL writer, checkpointer, autovacuum), from /proc.
 * Backends that exited meanwhile are not counted, so measure across work on open connections.
 */
export function serverCpuMicros(info: PgClusterInfo): number {
  const postmaster = Number(
    readFileSync(join(info.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    if (pid !== postmaster && Number(fields[STAT_PPID_AFTER_COMM]) !== postmaster) continue;
    ticks += Number(fields[STAT_UTIME_AFTER_COMM]) + Number(fields[STAT_UTIME_AFTER_COMM + 1]);
  }
  return (ticks * 1e6) / USER_HZ;
}
