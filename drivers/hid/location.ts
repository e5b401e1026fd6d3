import { promises as fs } from 'node:fs';
import * as nodePath from 'node:path';

/** Physical location shared by the hid and usb drivers, so one key seen twice can be recognised. */
export function formatUsbLocation(bus: number, ports: readonly number[]): string {
  return `usb:${bus}-${ports.join('.')}`;
}

/** `usb:<bus>-<ports>` from sysfs `busnum` ("1") and `devpath` ("2" or "1.4"); undefined if malformed. */
export function locationFromSysfs(busnum: string, devpath: string): string | undefined {
  const bus = busnum.trim();
  const path = devpath.trim();
  if (!/^\d+$/.test(bus) || !/^\d+(?:\.\d+)*$/.test(path)) return undefined;
  return formatUsbLocation(
    parseInt(bus, 10),
    path.split('.').map((p) => parseInt(p, 10)),
  );
}

const HIDRAW_PATH = /^\/dev\/(hidraw\d+)$/;
/** Interface dir -> USB device dir is one step; a few more allow for intermediate nodes. */
const MAX_ANCESTORS = 6;

/**
 * Linux only, best effort: /sys/class/hidraw/<node>/device links to the HID device under the USB
 * interface; the nearest ancestor holding `busnum` and `devpath` is the USB device. `fsRoot`
 * lets tests build a fake sysfs tree. Any failure means "location unknown", never an error.
 */
export async function hidrawLocation(
  devicePath: string,
  fsRoot = '/',
): Promise<string | undefined> {
  const m = HIDRAW_PATH.exec(devicePath);
  if (!m) return undefined;
  try {
    let dir = await fs.realpath(nodePath.join(fsRoot, 'sys', 'class', 'hidraw', m[1]!, 'device'));
    for (let i = 0; i < MAX_ANCESTORS; i++) {
      const found = await readBusAndDevpath(dir);
      if (found) return locationFromSysfs(found.busnum, found.devpath);
      const parent = nodePath.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  } catch {
    // No sysfs (not Linux, a container), or the node went away while we looked.
  }
  return undefined;
}

async function readBusAndDevpath(
  dir: string,
): Promise<{ busnum: string; devpath: string } | undefined> {
  try {
    const [busnum, devpath] = await Promise.all([
      fs.readFile(nodePath.join(dir, 'busnum'), 'utf8'),
      fs.readFile(nodePath.join(dir, 'devpath'), 'utf8'),
    ]);
    return { busnum, devpath };
  } catch {
    return undefined;
  }
}
