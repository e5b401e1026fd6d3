import { modhexEncode, type Logger } from '../core';
import type { ImportedToken, TokenStore } from '../tokens';
import { yubicoImportedToken } from '../tokens/import';
import type { VirtualTokenSpec } from '../../drivers/virtual';

/**
 * The registry record a vendor seed file would hold for a virtual token's slot 1 (the slot its
 * button types), so that a newcomer with no hardware can pair it from the page. Null for a token
 * with nothing programmed there.
 */
export function recordForVirtual(spec: VirtualTokenSpec): ImportedToken | null {
  const slot = spec.slot1;
  const serial = String(spec.serial);
  const origin = `--virtual token ${serial}`;
  if (slot === null) return null;
  if (slot.type === 'hotp') {
    return {
      serial,
      kind: 'hotp',
      algorithm: 'sha1',
      digits: slot.digits,
      period: 30,
      secret: slot.secret,
      counter: slot.counter,
      origin,
    };
  }
  return yubicoImportedToken(
    serial,
    modhexEncode(slot.publicId),
    slot.privateId,
    slot.aesKey,
    origin,
  );
}

/**
 * Imports each virtual token's slot-1 credential under its serial unless that serial is already in
 * the registry (a restart keeps the counters and pairings it has). Returns the serials added.
 */
export async function provisionVirtualTokens(
  store: TokenStore,
  specs: readonly VirtualTokenSpec[],
  logger: Logger,
): Promise<string[]> {
  const records: ImportedToken[] = [];
  for (const spec of specs) {
    const record = recordForVirtual(spec);
    if (record === null || (await store.get(record.serial)) !== null) continue;
    if (records.some((r) => r.serial === record.serial)) continue;
    records.push(record);
  }
  if (records.length === 0) return [];
  const session = await store.beginImport({
    replace: false,
    dryRun: false,
    source: 'serve --virtual',
  });
  try {
    for (const record of records) await session.add(record);
    await session.commit();
  } catch (err) {
    await session.rollback();
    throw err;
  }
  const serials = records.map((r) => r.serial);
  logger.info({ serials }, 'virtual tokens added to the registry');
  return serials;
}
