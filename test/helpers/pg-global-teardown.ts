import { stopPgCluster, type PgClusterInfo } from '../../bench/pg-cluster';
import { PG_CLUSTER_ENV } from './pg';

/** Jest's globalTeardown: the cluster of pg-global-setup.ts stopped and its folder deleted. */
export default async function globalTeardown(): Promise<void> {
  const text = process.env[PG_CLUSTER_ENV];
  if (text) await stopPgCluster(JSON.parse(text) as PgClusterInfo);
}
