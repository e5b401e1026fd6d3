import { startPgCluster } from '../../bench/pg-cluster';
import { PG_CLUSTER_ENV } from './pg';

/**
 * Jest's globalSetup: one throwaway PostgreSQL cluster for the whole run (about 0.7 s to start).
 * Every test that needs PostgreSQL makes a database of its own in it (test/helpers/pg.ts); the
 * workers find the cluster through the environment they inherit.
 */
export default async function globalSetup(): Promise<void> {
  const cluster = await startPgCluster({ fsync: false });
  process.env[PG_CLUSTER_ENV] = JSON.stringify(cluster);
}
