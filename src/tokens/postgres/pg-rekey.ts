import type { Pool } from 'pg';
import type { Logger } from '../../core';
import { installStagedSeedKey, stageNextSeedKey } from '../rekey-key';
import { SeedCipher } from '../seed-cipher';
import type { SeedKey } from '../seed-key';
import * as SQL from './sql';

/** Rows re-encrypted per query: bounded memory for 100,000 tokens. */
const REKEY_BATCH = 1000;
const PAGE = `SELECT serial, key_id, seed_nonce, seed_ct FROM tokens WHERE serial > $1
  ORDER BY serial LIMIT $2 FOR UPDATE`;
const RESEAL = 'UPDATE tokens SET key_id = $2, seed_nonce = $3, seed_ct = $4 WHERE serial = $1';
const LOCK_META = 'SELECT value FROM registry_meta WHERE name = $1 FOR UPDATE';

export interface FleetRekeyContext {
  readonly at: number;
  readonly source: string;
  readonly node: string;
  readonly logger: Logger;
}

/**
 * Re-encrypts every seed of the fleet under a new key, in the order the SQLite rekey uses (new key
 * durable in KEYFILE.new, one transaction re-seals every row and records the new fingerprint, then
 * the rename). Every other node keeps the old key until it is given the new file: until then the
 * fingerprint check refuses it (docs/fleet.md, "Changing the key").
 */
export async function rekeyFleet(
  pool: Pool,
  current: SeedKey,
  keyFile: string,
  newKeyPath: string | undefined,
  context: FleetRekeyContext,
): Promise<{ from: string; to: string; tokens: number; seedKey: SeedKey }> {
  const next = stageNextSeedKey(current, keyFile, newKeyPath);
  const oldCipher = new SeedCipher(current);
  const newCipher = new SeedCipher(next);
  const client = await pool.connect();
  let tokens = 0;
  try {
    await client.query('BEGIN');
    await client.query(LOCK_META, [SQL.META_KEY_ID]);
    let after = '';
    for (;;) {
      const { rows } = await client.query<{
        serial: string;
        key_id: string;
        seed_nonce: Buffer;
        seed_ct: Buffer;
      }>(PAGE, [after, REKEY_BATCH]);
      if (rows.length === 0) break;
      for (const row of rows) {
        const plaintext = oldCipher.open(row.serial, {
          keyId: row.key_id,
          nonce: row.seed_nonce,
          ciphertext: row.seed_ct,
        });
        const sealed = newCipher.seal(row.serial, plaintext);
        plaintext.fill(0);
        await client.query(RESEAL, [row.serial, sealed.keyId, sealed.nonce, sealed.ciphertext]);
        tokens++;
      }
      after = rows[rows.length - 1]!.serial;
    }
    await client.query(SQL.META_SET, [SQL.META_KEY_ID, next.keyId]);
    await client.query(SQL.INSERT_AUDIT.text, [
      context.at,
      'rekeyed',
      null,
      null,
      context.source,
      JSON.stringify({ from: current.keyId, to: next.keyId, tokens }),
      context.node,
    ]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  installStagedSeedKey(keyFile);
  context.logger.info(
    { from: current.keyId, to: next.keyId, tokens },
    'fleet seeds moved to a new key',
  );
  return { from: current.keyId, to: next.keyId, tokens, seedKey: next };
}
