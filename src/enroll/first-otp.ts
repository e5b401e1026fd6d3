import { DeviceError, ErrorCode, ProtocolError, type Clock } from '../core';
import type { DeviceManager, OtpEvent } from '../devices';

/**
 * The next OTP one device types (a person touched it), or an error when it is unplugged, the wait
 * is aborted, or nobody touches it within `timeoutMs`.
 */
export function nextOtpOf(
  devices: DeviceManager,
  deviceId: string,
  clock: Clock,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal },
): Promise<OtpEvent> {
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = [];
    const done = (settle: () => void) => {
      for (const off of offs.splice(0)) off();
      timer.clear();
      settle();
    };
    // The setup waits on this: it keeps the process alive, as the touch it stands for would.
    const timer = clock.setTimeout(
      () =>
        done(() =>
          reject(
            new ProtocolError(
              ErrorCode.PROTOCOL_TIMEOUT,
              `the key was not touched within ${Math.round(options.timeoutMs / 1000)} s`,
            ),
          ),
        ),
      options.timeoutMs,
      { keepAlive: true },
    );
    offs.push(
      devices.on('otp', (otp) => {
        if (otp.deviceId === deviceId) done(() => resolve(otp));
      }),
      devices.on('detached', (device) => {
        if (device.id === deviceId)
          done(() => reject(new DeviceError(ErrorCode.DEVICE_GONE, 'the key was unplugged')));
      }),
    );
    const signal = options.signal;
    if (signal) {
      const onAbort = () =>
        done(() => reject(new ProtocolError(ErrorCode.ABORTED, 'the setup was cancelled')));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      offs.push(() => signal.removeEventListener('abort', onAbort));
    }
  });
}
