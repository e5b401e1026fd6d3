import { isOtpProduct, modelFor, OTP_INTERFACE_NUMBER, type UsbId } from '../../core';
import type { Machine } from './machine';
import { octalMode } from './machine';
import { fixes } from './fixes';
import type { CheckResult } from './types';
import { interfaceFromPhys, parseHidId, parseUevent } from './uevent';

const HIDRAW_CLASS = '/sys/class/hidraw';

interface HidrawNode {
  readonly name: string;
  readonly model: string;
  readonly productId: number;
  readonly interfaceNumber: number | undefined;
}

/** The hidraw nodes of OTP tokens (Yubico PIDs and configured extras), from sysfs. */
async function otpNodes(machine: Machine, extra: readonly UsbId[]): Promise<HidrawNode[]> {
  const nodes: HidrawNode[] = [];
  for (const name of (await machine.list(HIDRAW_CLASS)) ?? []) {
    const uevent = await machine.read(`${HIDRAW_CLASS}/${name}/device/uevent`);
    if (uevent === undefined) continue;
    const fields = parseUevent(uevent);
    const id = parseHidId(fields.get('HID_ID'));
    if (id === undefined || !isOtpProduct(id, extra)) continue;
    nodes.push({
      name,
      model: modelFor(id.vendorId, id.productId),
      productId: id.productId,
      interfaceNumber: interfaceFromPhys(fields.get('HID_PHYS')),
    });
  }
  return nodes;
}

/**
 * Each OTP keyboard hidraw node (interface 0; a node whose interface is unknown counts too) must be
 * readable and writable by this user: the hid driver reads keystrokes and feature reports there.
 * The key's FIDO interface is someone else's business (systemd's fido_id covers it).
 */
export async function checkHidraw(
  machine: Machine,
  extra: readonly UsbId[],
): Promise<CheckResult[]> {
  if (!(await machine.exists(HIDRAW_CLASS))) {
    return [
      {
        id: 'hidraw',
        title: 'hidraw devices',
        status: 'warn',
        detail: `${HIDRAW_CLASS} is missing: no hidraw support here (a container without /sys?)`,
        fix: 'run on the host, or pass the token through; the usb driver does not need hidraw',
      },
    ];
  }
  const nodes = (await otpNodes(machine, extra)).filter(
    (n) => n.interfaceNumber === undefined || n.interfaceNumber === OTP_INTERFACE_NUMBER,
  );
  if (nodes.length === 0) {
    return [
      {
        id: 'hidraw',
        title: 'hidraw devices',
        status: 'warn',
        detail: 'no OTP token on hidraw (vendor 0x1050): none plugged in?',
        fix: 'plug a token in and run doctor again',
      },
    ];
  }
  const results: CheckResult[] = [];
  for (const node of nodes) {
    const dev = `/dev/${node.name}`;
    const what = `${node.model} (0x${node.productId.toString(16).padStart(4, '0')}), interface ${
      node.interfaceNumber ?? '?'
    }`;
    const info = await machine.stat(dev);
    const base = { id: `hidraw:${node.name}`, title: dev };
    if (info === undefined) {
      results.push({
        ...base,
        status: 'fail',
        detail: `${what}: sysfs lists ${node.name} but ${dev} does not exist`,
        fix: fixes.udevTrigger,
      });
    } else if (await machine.canReadWrite(dev, info)) {
      results.push({ ...base, status: 'ok', detail: `${what}: readable and writable` });
    } else {
      results.push({
        ...base,
        status: 'fail',
        detail: `${what}: uid ${machine.uid} cannot read and write it (mode ${octalMode(info.mode)}, owner ${info.uid}, group ${info.gid})`,
        fix: fixes.hidrawAccess,
      });
    }
  }
  return results;
}
