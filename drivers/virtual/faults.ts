/** Scriptable misbehaviour of a virtual token (docs/virtual-devices.md, "Faults"). */
export type VirtualFault =
  /** Unplug during the next transfer, after `afterReports` feature reports (default 1) got through. */
  | { kind: 'unplug-mid-transfer'; afterReports?: number }
  /** The next command response carries a wrong CRC. One-shot. */
  | { kind: 'crc-corruption' }
  /** Every feature-report call waits this long before it is served, until clearFaults(). */
  | { kind: 'stall'; ms: number }
  /** Emit this many random or invalid keyboard input reports now. */
  | { kind: 'garbage'; count: number }
  /** Pacing between keyboard reports, overriding the spec's, until clearFaults(). */
  | { kind: 'slow-typing'; perKeyMs: number }
  /** The next frame arrives damaged (one payload bit flipped), so its CRC fails. One-shot. */
  | { kind: 'frame-corruption' }
  /** Frames are taken but never run or confirmed (the write flag stays set), until clearFaults(). */
  | { kind: 'never-confirm' };

/** The faults in force; the token consults it around each transfer and keystroke. */
export class FaultState {
  unplugAfterReports: number | null = null;
  stallMs = 0;
  perKeyMs: number | null = null;

  clear(): void {
    this.unplugAfterReports = null;
    this.stallMs = 0;
    this.perKeyMs = null;
  }

  /**
   * Counts one feature-report call against a pending unplug-mid-transfer fault. Returns true when this
   * call is the one during which the token goes away.
   */
  takeUnplug(): boolean {
    if (this.unplugAfterReports === null) return false;
    if (this.unplugAfterReports === 0) {
      this.unplugAfterReports = null;
      return true;
    }
    this.unplugAfterReports -= 1;
    return false;
  }
}

const GARBAGE_ROLLOVER = Uint8Array.of(0, 0, 1, 1, 1, 1, 1, 1); // ErrorRollOver in every key slot

/**
 * Garbage keyboard reports: a phantom-state rollover report, then reports of random bytes (some of
 * which decode as keys no token types: the point is that a host survives them).
 */
export function garbageReports(count: number, random: (n: number) => Uint8Array): Uint8Array[] {
  const reports: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    reports.push(i % 4 === 0 ? GARBAGE_ROLLOVER.slice() : random(8));
  }
  return reports;
}
