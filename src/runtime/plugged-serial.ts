import type { DeviceManager } from '../devices';
import type { TokenStore } from '../tokens';

/**
 * The serial to pre-fill at Hardware Token Pairing: the most recently plugged token that reports a
 * serial which is registered and free (or already the user's).
 */
export async function pluggedSerialFor(
  devices: DeviceManager,
  store: TokenStore,
  user: string,
): Promise<string | undefined> {
  const plugged = devices
    .devices()
    .filter((d) => d.serial !== undefined)
    .sort((a, b) => b.time - a.time);
  for (const device of plugged) {
    const record = await store.get(String(device.serial));
    if (record !== null && (record.user === null || record.user === user)) return record.serial;
  }
  return undefined;
}
