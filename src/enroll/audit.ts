import type { TokenStore } from '../tokens';

/** One audit row per programming step: which device, slot and mode, and how it ended. */
export interface ProgrammingAudit {
  readonly serial: string | null;
  readonly user: string | null;
  readonly source: string;
  /** The DeviceManager id (a hash, never an OS path). */
  readonly device: string;
  readonly slot: number | null;
  readonly kind?: string;
  /** 'written', 'rejected: access-code', 'enrolled', 'failed at touch: key restored', 'deleted'... */
  readonly outcome: string;
  readonly previously?: string;
}

/** Never the seed, the access code or an OTP: the row says what was done, not with what. */
export function auditProgramming(store: TokenStore, row: ProgrammingAudit): Promise<void> {
  return store.appendAudit({
    event: 'programmed',
    serial: row.serial,
    user: row.user,
    source: row.source,
    detail: {
      device: row.device,
      ...(row.slot !== null ? { slot: row.slot } : {}),
      ...(row.kind !== undefined ? { kind: row.kind } : {}),
      outcome: row.outcome,
      ...(row.previously !== undefined ? { previously: row.previously } : {}),
    },
  });
}
