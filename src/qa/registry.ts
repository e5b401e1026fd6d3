import { fromHex, ValidationError } from '../core';
import { recordForVirtual } from '../runtime';
import type { ImportedToken, TokenStore } from '../tokens';
import type { Scenario } from './scenario';
import type { RegistryEntry } from './scenario-schema';

/** A registry entry resolved to the record to import and the user to pair it to, if any. */
export interface RegistryItem {
  readonly record: ImportedToken;
  readonly user?: string;
}

const SOURCE = 'qa run';

/** The records a scenario's `registry` asks for (token credentials or explicit records). */
export function registryItems(scenario: Scenario): RegistryItem[] {
  return scenario.registry.map((entry, i) => itemFor(scenario, entry, i));
}

function itemFor(scenario: Scenario, entry: RegistryEntry, index: number): RegistryItem {
  const origin = `scenario "${scenario.name}" registry.${index}`;
  if (typeof entry === 'string' || 'token' in entry) {
    const name = typeof entry === 'string' ? entry : entry.token;
    const token = scenario.tokens.find((t) => t.name === name);
    const base = token ? recordForVirtual(token.spec) : null;
    if (!token || !base)
      throw new ValidationError(`${origin}: token "${name}" has no slot-1 credential to import`);
    const over: { serial?: string; counter?: number; user?: string } =
      typeof entry === 'string' ? {} : entry;
    const record: ImportedToken = {
      ...base,
      origin,
      ...(over.serial !== undefined ? { serial: over.serial } : {}),
      ...(over.counter !== undefined ? { counter: over.counter } : {}),
    };
    return { record, ...(over.user !== undefined ? { user: over.user } : {}) };
  }
  const record: ImportedToken = {
    serial: entry.serial,
    kind: entry.kind,
    algorithm: entry.algorithm ?? 'sha1',
    digits: entry.digits ?? 6,
    period: entry.period ?? 30,
    secret: fromHex(entry.secret),
    origin,
    ...(entry.counter !== undefined ? { counter: entry.counter } : {}),
    ...(entry.publicId !== undefined ? { publicId: entry.publicId } : {}),
    ...(entry.privateId !== undefined ? { privateId: fromHex(entry.privateId) } : {}),
  };
  return { record, ...(entry.user !== undefined ? { user: entry.user } : {}) };
}

/**
 * Puts the registry in the state a scenario starts from: each record imported (replacing an earlier
 * run's, so counters and lockouts start fresh), then paired to its `user` or left unpaired.
 */
export async function applyRegistry(
  store: TokenStore,
  items: readonly RegistryItem[],
): Promise<void> {
  if (items.length === 0) return;
  const session = await store.beginImport({ replace: true, dryRun: false, source: SOURCE });
  try {
    for (const item of items) await session.add(item.record);
    await session.commit();
  } catch (err) {
    await session.rollback();
    throw err;
  }
  for (const item of items) {
    const current = await store.get(item.record.serial);
    if (current?.user && current.user !== item.user)
      await store.unpair(item.record.serial, { source: SOURCE });
    if (item.user !== undefined && current?.user !== item.user) {
      await store.pair(item.record.serial, item.user, { source: SOURCE, user: item.user });
    }
  }
}
