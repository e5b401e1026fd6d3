import { OtpSlotSession, YubiOtpSession } from '../../src/yubikey';
import {
  parseVirtualSpec,
  type TokenStateStore,
  VirtualDriver,
  VirtualToken,
} from '../../drivers/virtual';
import { ManualClock } from './manual-clock';

export interface SlotRig {
  readonly token: VirtualToken;
  readonly slots: OtpSlotSession;
  /** The key's own clock (its touch-wait timeout); the host polls in real time. */
  readonly clock: ManualClock;
  close(): Promise<void>;
}

/**
 * src/yubikey's OtpSlotSession over a real VirtualConnection to a VirtualToken: the host's protocol
 * code and the token's firmware model meet on the 8-byte feature reports. The host polls on the
 * system clock (a virtual key answers at once, so its waits are a few milliseconds); the key's
 * time, which only its touch-wait timeout reads, stands still until the test moves it.
 */
export async function openSlotRig(
  spec: string,
  options: { stateStore?: TokenStateStore } = {},
): Promise<SlotRig> {
  const clock = new ManualClock();
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
    timings: { processingTimeoutMs: 200 },
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
