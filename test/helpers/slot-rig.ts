import type { Clock } from '../../src/core';
import { OtpSlotSession, YubiOtpSession } from '../../src/yubikey';
import {
  parseVirtualSpec,
  type TokenStateStore,
  VirtualDriver,
  VirtualToken,
} from '../../drivers/virtual';

/** A clock the test moves by hand (touch-wait timeouts); it never moves on its own. */
export class HandClock implements Clock {
  constructor(private time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface SlotRig {
  readonly token: VirtualToken;
  readonly slots: OtpSlotSession;
  readonly clock: HandClock;
  close(): Promise<void>;
}

/**
 * src/yubikey's OtpSlotSession over a real VirtualConnection to a VirtualToken: the host's protocol
 * code and the token's firmware model meet on the 8-byte feature reports. Polls return at once
 * (the sleep seam), so nothing waits for real.
 */
export async function openSlotRig(
  spec: string,
  options: { stateStore?: TokenStateStore; clock?: HandClock } = {},
): Promise<SlotRig> {
  const clock = options.clock ?? new HandClock();
  const driver = new VirtualDriver({ clock });
  const token = new VirtualToken(parseVirtualSpec(spec), {
    clock,
    ...(options.stateStore ? { stateStore: options.stateStore } : {}),
  });
  driver.attach(token);
  const [info] = await driver.enumerate();
  const connection = await driver.open(info!);
  const session = new YubiOtpSession(connection, {
    reclaimAttempts: 1,
    sleep: async () => undefined,
    timings: { processingTimeoutMs: 200, touchTimeoutMs: 20_000 },
  });
  return {
    token,
    slots: new OtpSlotSession(session),
    clock,
    close: async () => {
      await connection.close();
      await driver.dispose();
    },
  };
}
