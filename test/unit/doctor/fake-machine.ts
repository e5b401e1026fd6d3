import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A Yubico key as sysfs and /dev show it. */
export interface FakeKey {
  /** hidraw node names of its interfaces, e.g. { 0: 'hidraw3', 1: 'hidraw4' } (0 = OTP keyboard). */
  readonly hidraw?: Record<number, string>;
  readonly productId?: number;
  readonly vendorId?: number;
  /** Mode of the /dev nodes (hidraw and /dev/bus/usb); default 0660. */
  readonly mode?: number;
  /** USB location, e.g. '1-2'; bus 1. */
  readonly usbName?: string;
  readonly devnum?: number;
  /** Driver bound to interface 0 ('usbhid', 'usbfs'), or null for none. */
  readonly interfaceDriver?: string | null;
  /** Leave out the /dev node of the hidraw interfaces (udev did not create them). */
  readonly noDevNodes?: boolean;
}

/**
 * A fake machine root in a temp dir: /sys/class/hidraw, /sys/bus/usb/devices, /dev nodes (regular
 * files with the modes a real node would have), and udev rule folders.
 */
export class FakeMachine {
  readonly root = mkdtempSync(join(tmpdir(), 'tokenbridge-doctor-'));

  /** Where store and key files go (outside the machine tree: they come from the configuration). */
  readonly stateDir = mkdtempSync(join(tmpdir(), 'tokenbridge-doctor-state-'));

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  file(path: string, content: string | Buffer, mode = 0o644): this {
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    chmodSync(full, mode);
    return this;
  }

  dir(path: string): this {
    mkdirSync(join(this.root, path), { recursive: true });
    return this;
  }

  /** The gid the machine's files get (the test runner's), for identities in that group. */
  fileGid(): number {
    return statSync(this.root).gid;
  }

  /** Kernel basics: hidraw class, USB bus, /dev/bus/usb. */
  withKernel(): this {
    return this.dir('/sys/class/hidraw').dir('/sys/bus/usb/devices').dir('/dev/bus/usb');
  }

  key(key: FakeKey): this {
    const vendor = key.vendorId ?? 0x1050;
    const product = key.productId ?? 0x0407;
    const usbName = key.usbName ?? '1-2';
    const devnum = key.devnum ?? 4;
    const mode = key.mode ?? 0o660;
    for (const [iface, node] of Object.entries(key.hidraw ?? { 0: 'hidraw0' })) {
      this.file(
        `/sys/class/hidraw/${node}/device/uevent`,
        [
          'DRIVER=hid-generic',
          `HID_ID=0003:${hex(vendor, 8)}:${hex(product, 8)}`,
          'HID_NAME=Yubico YubiKey OTP+FIDO+CCID',
          `HID_PHYS=usb-0000:00:14.0-2/input${iface}`,
          '',
        ].join('\n'),
      );
      if (!key.noDevNodes) this.file(`/dev/${node}`, '', mode);
    }
    const dev = `/sys/bus/usb/devices/${usbName}`;
    this.file(`${dev}/idVendor`, `${hex(vendor, 4)}\n`)
      .file(`${dev}/idProduct`, `${hex(product, 4)}\n`)
      .file(`${dev}/busnum`, '1\n')
      .file(`${dev}/devnum`, `${devnum}\n`)
      .file(`${dev}:1.0/bInterfaceNumber`, '00\n')
      .file(`${dev}:1.1/bInterfaceNumber`, '01\n');
    const driver = key.interfaceDriver === undefined ? 'usbhid' : key.interfaceDriver;
    if (driver !== null)
      symlinkSync(`../../../../bus/usb/drivers/${driver}`, join(this.root, `${dev}:1.0/driver`));
    if (!key.noDevNodes) this.file(`/dev/bus/usb/001/${String(devnum).padStart(3, '0')}`, '', mode);
    return this;
  }

  rule(dir: string, content: string): this {
    return this.file(`${dir}/69-tokenbridge.rules`, content);
  }

  /** A store and key file in the state folder with these modes (undefined: leave it out). */
  /** The registry and key in one state folder (mode `dirMode`); an undefined file mode: absent. */
  state(
    storeMode: number | undefined,
    keyMode: number | undefined,
    dirMode = 0o700,
  ): { store: string; key: string } {
    chmodSync(this.stateDir, dirMode);
    const store = join(this.stateDir, 'tokens.sqlite');
    const key = join(this.stateDir, 'seed.key');
    if (storeMode !== undefined) {
      writeFileSync(store, 'SQLite format 3\0');
      chmodSync(store, storeMode);
    }
    if (keyMode !== undefined) {
      writeFileSync(key, Buffer.alloc(32, 7));
      chmodSync(key, keyMode);
    }
    return { store, key };
  }
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}
