import type { Pool, PoolClient } from 'pg';
import { ErrorCode, StoreError, type SslMode } from '../../core';
import type { StoreCheck } from '../registry';
import { loadSeedKey, type SeedKey } from '../seed-key';
import { schemaVersionOf } from './migrate';
import { PG_SCHEMA_VERSION } from './migrations';
import * as SQL from './sql';

export interface FleetKeyOptions {
  readonly keyFile: string;
  readonly keyIsCredential: boolean;
  readonly location: string;
  readonly node: string;
  readonly now: number;
}

/**
 * The fleet's seed key on this node. The registry records the fingerprint (key id) of the key it
 * was created with; the first node to connect to a new registry records its own key (creating the
 * key file when there is none), and every node after it must hold the same key: a node with another
 * key is refused before it decrypts or seals anything, with the two fingerprints in the message.
 */
export async function openFleetKey(client: PoolClient, options: FleetKeyOptions): Promise<SeedKey> {
  const recorded = await metaValue(client, SQL.META_KEY_ID);
  const seedKey = loadSeedKey(options.keyFile, {
    credential: options.keyIsCredential,
    create: recorded === undefined,
    whyNeeded: `the fleet registry (${options.location}) was created with key ${recorded}: copy the fleet's key file to this node (docs/fleet.md)`,
  });
  if (recorded === undefined) {
    await client.query(SQL.META_INIT, [SQL.META_KEY_ID, seedKey.keyId]);
    await client.query(SQL.META_INIT, [SQL.META_CREATED_AT, String(options.now)]);
    await client.query(SQL.META_INIT, [SQL.META_CREATED_BY, options.node]);
  }
  const fleet = (await metaValue(client, SQL.META_KEY_ID)) ?? seedKey.keyId;
  const other = (await client.query<{ key_id: string }>(SQL.OTHER_KEY, [seedKey.keyId])).rows[0];
  if (fleet !== seedKey.keyId || other) {
    throw new StoreError(
      ErrorCode.KEY_FILE,
      `the fleet registry (${options.location}) is sealed under key ${other?.key_id ?? fleet}, but ${seedKey.path} is key ${seedKey.keyId}: give this node the fleet's key file (docs/fleet.md)`,
    );
  }
  return seedKey;
}

/** The key this node has, for a look that changes nothing (no key file created). */
export function inspectFleetKey(keyFile: string, keyIsCredential: boolean): SeedKey {
  return loadSeedKey(keyFile, { credential: keyIsCredential, create: false });
}

async function metaValue(client: PoolClient | Pool, name: string): Promise<string | undefined> {
  return (await client.query<{ value: string }>(SQL.META_GET, [name])).rows[0]?.value;
}

/** `doctor`'s view of the fleet registry: connection, TLS, schema version, key fingerprint. */
export async function checkFleet(
  pool: Pool,
  location: string,
  usesTls: boolean,
  sslmode: SslMode,
  seedKey: SeedKey,
): Promise<StoreCheck[]> {
  const client = await pool.connect();
  try {
    const version = (await client.query<{ server_version: string }>(SQL.SERVER_VERSION)).rows[0]!
      .server_version;
    const tls = (
      await client.query<{ ssl: boolean; version: string | null; cipher: string | null }>(
        SQL.TLS_STATE,
      )
    ).rows[0];
    const schema = await schemaVersionOf(client);
    const fleetKey = schema > 0 ? await metaValue(client, SQL.META_KEY_ID) : undefined;
    const verifying = sslmode === 'verify-full' || sslmode === 'verify-ca';
    return [
      { name: 'connection', ok: true, detail: `${location}: PostgreSQL ${version}` },
      {
        name: 'tls',
        ok: tls?.ssl === true ? true : !['require', 'verify-ca', 'verify-full'].includes(sslmode),
        detail:
          tls?.ssl === true
            ? `TLS ${tls.version ?? ''} ${tls.cipher ?? ''}; ${verifying ? `the server certificate is checked (sslmode ${sslmode})` : `the server certificate is NOT checked (sslmode ${sslmode}): use sslmode=verify-full`}`
            : `no TLS (sslmode ${sslmode}${usesTls ? '' : location.includes('socket') ? ', a Unix socket' : ''})`,
      },
      {
        name: 'schema',
        ok: schema === PG_SCHEMA_VERSION,
        detail: `schema version ${schema} (this tokenbridge: ${PG_SCHEMA_VERSION})`,
      },
      {
        name: 'key',
        ok: fleetKey === undefined || fleetKey === seedKey.keyId,
        detail:
          fleetKey === undefined
            ? `no key recorded yet: the first daemon records this node's key ${seedKey.keyId}`
            : fleetKey === seedKey.keyId
              ? `this node's key ${seedKey.keyId} is the fleet's`
              : `the fleet registry was created with key ${fleetKey}, this node has key ${seedKey.keyId}: give it the fleet's key file`,
      },
    ];
  } finally {
    client.release();
  }
}
