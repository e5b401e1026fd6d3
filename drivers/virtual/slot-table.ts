import {
  bytesEqual,
  CFGFLAG_UPDATE_MASK,
  decodeSlotConfig,
  EXTFLAG_UPDATE_MASK,
  NO_ACCESS_CODE,
  splitConfigWrite,
  TKTFLAG_UPDATE_MASK,
} from '../../src/core';
import { accessCodeMatches, allowsUpdate, protectsSlot2 } from './slot-model';
import { ProgrammedSlot, type RandomSource } from './slots';

export type SlotIndex = 0 | 1;

/** Why the key left a write alone (it only keeps its programming sequence; this is for its log). */
export type WriteRefusal =
  'bad-crc' | 'access-code' | 'protected' | 'empty' | 'no-update' | 'not-a-config';

export type WriteResult =
  { readonly ok: true } | { readonly ok: false; readonly why: WriteRefusal };

/**
 * The two slots and the programming sequence, with the rules a key applies to configuration
 * writes: the CRC, the current access code of the slot written, slot 1's PROTECT_CFG2 over slot 2,
 * ALLOW_UPDATE for updates. Each accepted write bumps the sequence; with no slot left configured it
 * falls to 0, as on a key.
 */
export class SlotTable {
  private readonly table: [ProgrammedSlot | null, ProgrammedSlot | null];

  constructor(
    private readonly random: RandomSource,
    private readonly now: () => number,
    slots: readonly [ProgrammedSlot | null, ProgrammedSlot | null],
    private sequence: number,
  ) {
    this.table = [slots[0], slots[1]];
    if (!this.anyConfigured) this.sequence = 0;
  }

  get programmingSequence(): number {
    return this.sequence;
  }

  get anyConfigured(): boolean {
    return this.table.some((s) => s !== null);
  }

  slot(index: SlotIndex): ProgrammedSlot | null {
    return this.table[index];
  }

  slots(): readonly (ProgrammedSlot | null)[] {
    return [...this.table];
  }

  /** SLOT_CONFIG / SLOT_CONFIG2: a configuration, or 52 zero bytes to delete the slot. */
  write(index: SlotIndex, payload: Uint8Array): WriteResult {
    const { config, currentAccessCode } = splitConfigWrite(payload);
    const decoded = decodeSlotConfig(config);
    if (decoded.kind === 'invalid') return { ok: false, why: 'bad-crc' };
    const refusal = this.mayWrite(index, currentAccessCode);
    if (refusal) return { ok: false, why: refusal };
    this.table[index] =
      decoded.kind === 'delete'
        ? null
        : new ProgrammedSlot({ fields: decoded.fields }, this.random, this.now());
    this.bump();
    return { ok: true };
  }

  /** SLOT_UPDATE1 / 2: the updatable flags and the access code change; secret and counters stay. */
  update(index: SlotIndex, payload: Uint8Array): WriteResult {
    const { config, currentAccessCode } = splitConfigWrite(payload);
    const decoded = decodeSlotConfig(config);
    if (decoded.kind === 'invalid') return { ok: false, why: 'bad-crc' };
    if (decoded.kind !== 'config') return { ok: false, why: 'not-a-config' };
    const current = this.table[index];
    if (current === null) return { ok: false, why: 'empty' };
    if (!accessCodeMatches(current.config, currentAccessCode))
      return { ok: false, why: 'access-code' };
    if (!allowsUpdate(current.config)) return { ok: false, why: 'no-update' };
    const old = current.config.fields;
    const next = decoded.fields;
    const fields = {
      ...old,
      accessCode: next.accessCode,
      extFlags: (old.extFlags & ~EXTFLAG_UPDATE_MASK) | (next.extFlags & EXTFLAG_UPDATE_MASK),
      tktFlags: (old.tktFlags & ~TKTFLAG_UPDATE_MASK) | (next.tktFlags & TKTFLAG_UPDATE_MASK),
      cfgFlags: (old.cfgFlags & ~CFGFLAG_UPDATE_MASK) | (next.cfgFlags & CFGFLAG_UPDATE_MASK),
    };
    this.table[index] = new ProgrammedSlot(
      { ...current.config, fields },
      this.random,
      this.now(),
      current.counters,
    );
    this.bump();
    return { ok: true };
  }

  /**
   * SLOT_SWAP. Its payload is an access code (yubikit sends zeros): it must match every configured
   * slot's code. [unverified: how firmware checks access codes on a swap; this is the strict rule.]
   */
  swap(payload: Uint8Array): WriteResult {
    const given = payload.slice(0, NO_ACCESS_CODE.length);
    for (const slot of this.table)
      if (slot !== null && !bytesEqual(slot.config.fields.accessCode, given))
        return { ok: false, why: 'access-code' };
    if (!this.anyConfigured) return { ok: false, why: 'empty' };
    this.table.reverse();
    this.bump();
    return { ok: true };
  }

  private mayWrite(index: SlotIndex, currentAccessCode: Uint8Array): WriteRefusal | undefined {
    if (!accessCodeMatches(this.table[index]?.config ?? null, currentAccessCode))
      return 'access-code';
    // PROTECT_CFG2 on slot 1 guards slot 2, unless slot 2 is configured with the bit itself.
    if (
      index === 1 &&
      protectsSlot2(this.table[0]?.config ?? null) &&
      !protectsSlot2(this.table[1]?.config ?? null)
    )
      return 'protected';
    return undefined;
  }

  private bump(): void {
    if (!this.anyConfigured) {
      this.sequence = 0;
      return;
    }
    // A one-byte counter; 0 means "nothing configured", so it wraps to 1.
    this.sequence = this.sequence >= 0xff ? 1 : this.sequence + 1;
  }
}
