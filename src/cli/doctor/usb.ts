import { isOtpProduct, modelFor, OTP_INTERFACE_NUMBER, type UsbId } from '../../core';
import { fixes } from './fixes';
import { octalMode, type Machine } from './machine';
import type { CheckResult } from './types';

const USB_BUS = '/sys/bus/usb';
const USB_DEVICES = '/sys/bus/usb/devices';
const USB_DEV_NODES = '/dev/bus/usb';
/** The kernel's HID driver; while it holds interface 0 the key's keystrokes reach the desktop. */
const KERNEL_HID_DRIVER = 'usbhid';
/** Shown as the driver of an interface a program claimed through libusb. */
const USERSPACE_CLAIM_DRIVER = 'usbfs';

interface UsbToken {
  readonly sysName: string;
  readonly model: string;
  readonly devNode: string | undefined;
  /** The driver bound to the OTP keyboard interface, if any. */
  readonly interfaceDriver: string | undefined;
  readonly interfaceFound: boolean;
}

/**
 * The USB bus is visible (hotplug and the usb driver's enumeration start there). `busMissing` says
 * there is none at all, which the usb driver reports as well.
 */
export async function checkUsbBus(
  machine: Machine,
): Promise<{ check: CheckResult; busMissing: boolean }> {
  const base = { id: 'usb-bus', title: 'USB bus' };
  const devices = await machine.list(USB_DEVICES);
  if (!(await machine.exists(USB_BUS)) || devices === undefined) {
    return {
      busMissing: true,
      check: {
        ...base,
        status: 'warn',
        detail: `${USB_BUS} is missing: no USB bus visible (a container without /sys?)`,
        fix: 'run on the host, or give the container /sys and /dev/bus/usb',
      },
    };
  }
  const count = devices.filter((d) => !d.includes(':')).length;
  const nodes = await machine.exists(USB_DEV_NODES);
  return {
    busMissing: false,
    check: {
      ...base,
      status: nodes ? 'ok' : 'warn',
      detail: `${count} USB device(s) in ${USB_DEVICES}${nodes ? '' : `, but ${USB_DEV_NODES} is missing`}`,
      ...(nodes ? {} : { fix: 'the usb driver opens devices under /dev/bus/usb: mount devtmpfs' }),
    },
  };
}

async function hex(machine: Machine, path: string): Promise<number | undefined> {
  const text = (await machine.read(path))?.trim();
  return text && /^[0-9a-fA-F]{1,4}$/.test(text) ? parseInt(text, 16) : undefined;
}

async function usbTokens(machine: Machine, extra: readonly UsbId[]): Promise<UsbToken[]> {
  const names = (await machine.list(USB_DEVICES)) ?? [];
  const tokens: UsbToken[] = [];
  for (const sysName of names.filter((n) => !n.includes(':'))) {
    const dir = `${USB_DEVICES}/${sysName}`;
    const vendorId = await hex(machine, `${dir}/idVendor`);
    const productId = await hex(machine, `${dir}/idProduct`);
    if (vendorId === undefined || productId === undefined) continue;
    if (!isOtpProduct({ vendorId, productId }, extra)) continue;
    const bus = Number((await machine.read(`${dir}/busnum`))?.trim());
    const dev = Number((await machine.read(`${dir}/devnum`))?.trim());
    const devNode =
      Number.isInteger(bus) && Number.isInteger(dev) && bus > 0 && dev > 0
        ? `${USB_DEV_NODES}/${String(bus).padStart(3, '0')}/${String(dev).padStart(3, '0')}`
        : undefined;
    // Interfaces are `<device>:<configuration>.<interface>`; the OTP keyboard is interface 0.
    let iface: string | undefined;
    for (const n of names.filter((n) => n.startsWith(`${sysName}:`))) {
      const number = await hex(machine, `${USB_DEVICES}/${n}/bInterfaceNumber`);
      if (number === OTP_INTERFACE_NUMBER) iface = n;
    }
    tokens.push({
      sysName,
      model: modelFor(vendorId, productId),
      devNode,
      interfaceFound: iface !== undefined,
      interfaceDriver:
        iface === undefined ? undefined : await machine.linkName(`${USB_DEVICES}/${iface}/driver`),
    });
  }
  return tokens;
}

/**
 * Exclusive mode: the usb driver opens the key's device node and claims interface 0, detaching
 * usbhid. It needs read+write on /dev/bus/usb/BBB/DDD; who holds the interface now is reported
 * (usbhid before the daemon starts, usbfs while the daemon, or another program, has it).
 */
export async function checkExclusive(
  machine: Machine,
  extra: readonly UsbId[],
): Promise<CheckResult[]> {
  const tokens = await usbTokens(machine, extra);
  if (tokens.length === 0) {
    return [
      {
        id: 'exclusive',
        title: 'exclusive capture',
        status: 'warn',
        detail: 'no OTP token on the USB bus: none plugged in?',
        fix: 'plug a token in and run doctor again',
      },
    ];
  }
  const results: CheckResult[] = [];
  for (const t of tokens) {
    const base = {
      id: `exclusive:${t.sysName}`,
      title: `exclusive capture of ${t.model} at ${t.sysName}`,
    };
    const holder = !t.interfaceFound
      ? 'the OTP interface (0) is not present: is the OTP application disabled on this key?'
      : t.interfaceDriver === undefined
        ? 'interface 0 is bound to no driver'
        : t.interfaceDriver === KERNEL_HID_DRIVER
          ? `interface 0 is bound to ${KERNEL_HID_DRIVER} (the daemon detaches it when it claims the key)`
          : t.interfaceDriver === USERSPACE_CLAIM_DRIVER
            ? 'interface 0 is claimed by a program (the running daemon, or another one)'
            : `interface 0 is bound to ${t.interfaceDriver}`;
    if (!t.interfaceFound) {
      results.push({
        ...base,
        status: 'fail',
        detail: holder,
        fix: 'ykman config usb --enable OTP',
      });
      continue;
    }
    const info = t.devNode === undefined ? undefined : await machine.stat(t.devNode);
    if (t.devNode === undefined || info === undefined) {
      results.push({
        ...base,
        status: 'fail',
        detail: `no device node ${t.devNode ?? '(busnum/devnum unreadable)'}; ${holder}`,
        fix: fixes.udevTrigger,
      });
    } else if (await machine.canReadWrite(t.devNode, info)) {
      results.push({
        ...base,
        status: 'ok',
        detail: `${t.devNode} readable and writable; ${holder}`,
      });
    } else {
      results.push({
        ...base,
        status: 'fail',
        detail: `uid ${machine.uid} cannot open ${t.devNode} (mode ${octalMode(info.mode)}, owner ${info.uid}, group ${info.gid}); ${holder}`,
        fix: fixes.usbAccess,
      });
    }
  }
  return results;
}
