/** What the append-only audit table records. */
export const AUDIT_EVENTS = [
  'imported',
  'paired',
  'verified',
  'failed',
  'locked',
  'unlocked',
  'resynced',
  'unpaired',
  'deleted',
  'rekeyed',
  /** A pairing moved a step (started, serial chosen, final step, cancelled, expired...). */
  'pairing',
  /** A key's slot was written, deleted or swapped (device, slot, outcome; never a secret). */
  'programmed',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** Who asked: 'cli', 'ws:pairing', 'daemon'... and for whom, when known. */
export interface AuditContext {
  readonly source: string;
  readonly user?: string | null;
}

/**
 * One audit row. `detail` is small JSON: counts, reasons, counters, a redacted OTP at most; never a
 * seed, never a whole passcode.
 */
export interface AuditInput {
  readonly event: AuditEvent;
  readonly serial: string | null;
  readonly user: string | null;
  readonly source: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AuditEntry extends AuditInput {
  readonly id: number;
  readonly at: number; // ms since epoch
  /** The daemon (or command) that wrote the row: `store.nodeName` of its configuration. */
  readonly node: string;
}

export interface AuditQuery {
  readonly serial?: string;
  readonly user?: string;
  readonly event?: AuditEvent;
  /** Entries with id greater than this (paging forward). */
  readonly afterId?: number;
  /** Newest first when true (the default is oldest first). */
  readonly newestFirst?: boolean;
  /** At most this many (default 100, at most 10,000). */
  readonly limit?: number;
}
