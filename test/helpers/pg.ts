import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { clusterUrl, type PgClusterInfo } from '../../bench/pg-cluster';

/** How the cluster of the run is handed to the workers (pg-global-setup.ts). */
export const PG_CLUSTER_ENV = 'TB_TEST_PG_CLUSTER';

export function testCluster(): PgClusterInfo {
  const text = process.env[PG_CLUSTER_ENV];
  if (!text) throw new Error(`${PG_CLUSTER_ENV} is not set: jest's globalSetup starts the cluster`);
  return JSON.parse(text) as PgClusterInfo;
}

/** A connected superuser client on a database of the test cluster; the caller ends it. */
export async function adminClient(
  database = 'postgres',
  c: PgClusterInfo = testCluster(),
): Promise<Client> {
  const client = new Client({
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database,
  });
  await client.connect();
  return client;
}

export interface TestDatabase {
  readonly name: string;
  /** `store.url` for it (the password is in `passwordFile`). */
  readonly url: string;
  readonly passwordFile: string;
  readonly cluster: PgClusterInfo;
  /** Drops it (ending whatever is still connected). */
  drop(): Promise<void>;
}

/** A fresh, empty database of its own for one test or one file. */
export async function createTestDatabase(
  cluster: PgClusterInfo = testCluster(),
): Promise<TestDatabase> {
  const name = `tb_${randomBytes(6).toString('hex')}`;
  const admin = await adminClient('postgres', cluster);
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: clusterUrl(cluster, name),
    passwordFile: cluster.passwordFile,
    cluster,
    drop: async () => {
      const client = await adminClient('postgres', cluster);
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Ends every session of a database but ours (`pg_terminate_backend`): a cut connection. */
export async function terminateSessions(
  database: string,
  cluster: PgClusterInfo = testCluster(),
): Promise<number> {
  const admin = await adminClient('postgres', cluster);
  try {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [database],
    );
    return rows[0]!.n;
  } finally {
    await admin.end();
  }
}
