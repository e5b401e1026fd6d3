/** `KEY=value` lines of a sysfs uevent file. */
export function parseUevent(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return fields;
}

export interface HidId {
  readonly bus: number;
  readonly vendorId: number;
  readonly productId: number;
}

/** `HID_ID=0003:00001050:00000407`: bus type, vendor and product, in hex. */
export function parseHidId(value: string | undefined): HidId | undefined {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{8}):([0-9a-fA-F]{8})$/.exec(value ?? '');
  if (!m) return undefined;
  return {
    bus: parseInt(m[1]!, 16),
    vendorId: parseInt(m[2]!, 16),
    productId: parseInt(m[3]!, 16),
  };
}

/** The USB interface number at the end of `HID_PHYS=usb-0000:00:14.0-1/input0`. */
export function interfaceFromPhys(value: string | undefined): number | undefined {
  const m = /\/input(\d+)$/.exec(value ?? '');
  return m ? Number(m[1]) : undefined;
}
