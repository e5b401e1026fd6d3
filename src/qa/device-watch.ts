import type { VirtualToken } from '../../drivers/virtual';
import type { Message, QaClient } from './qa-client';

/** How long setup waits for the daemon to report a token attached or gone. */
export const DEVICE_READY_MS = 5000;
const CHECK_MS = 10;

/**
 * The devices the daemon reports, kept from `hello` and device events on the runner's own client
 * (not one of the scenario's, so their event queues stay the scenario's). Tokens are recognised by
 * serial; a token with a hidden serial by the count of devices without one.
 */
export class DeviceWatch {
  private readonly devices = new Map<string, Message>();
  private readonly stop: () => void;

  constructor(private readonly client: QaClient) {
    const initial = Array.isArray(client.hello.devices) ? (client.hello.devices as Message[]) : [];
    for (const d of initial) this.devices.set(String(d.id), d);
    this.stop = client.onEvent((event) => {
      const device = event.device as Message | undefined;
      if (!device) return;
      if (event.type === 'device.attached') this.devices.set(String(device.id), device);
      if (event.type === 'device.detached') this.devices.delete(String(device.id));
    });
  }

  /** True when every token is reported (`present`) or none of them is (`!present`). */
  reported(tokens: readonly VirtualToken[], present: boolean): boolean {
    const serials = [...this.devices.values()].map((d) =>
      d.serial === undefined ? undefined : String(d.serial),
    );
    const hidden = tokens.filter((t) => t.spec.serialHidden).length;
    const visible = tokens.filter((t) => !t.spec.serialHidden).map((t) => String(t.spec.serial));
    if (present) {
      return (
        visible.every((s) => serials.includes(s)) &&
        serials.filter((s) => s === undefined).length >= hidden
      );
    }
    return (
      visible.every((s) => !serials.includes(s)) &&
      (hidden === 0 || serials.every((s) => s !== undefined))
    );
  }

  /** Waits until reported(tokens, present); rejects naming the tokens after `timeoutMs`. */
  async waitFor(
    tokens: readonly VirtualToken[],
    present: boolean,
    timeoutMs = DEVICE_READY_MS,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.reported(tokens, present)) {
      if (this.client.closed) throw new Error("the daemon closed the runner's connection");
      if (Date.now() >= deadline) {
        const names = tokens.map((t) => t.id).join(', ');
        throw new Error(
          `the daemon did not report ${names} ${present ? 'attached' : 'gone'} within ${timeoutMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, CHECK_MS));
    }
  }

  close(): void {
    this.stop();
  }
}
