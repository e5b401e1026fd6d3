import { OTP_PRODUCTS } from '../../core';

/** The udev rule's name and where udev looks for it, in precedence order (/etc wins). */
export const UDEV_RULE_NAME = '69-tokenbridge.rules';
export const UDEV_RULE_DIRS = [
  '/etc/udev/rules.d',
  '/run/udev/rules.d',
  '/usr/lib/udev/rules.d',
  '/lib/udev/rules.d',
] as const;

const INSTALL_RULE = `sudo install -m 0644 udev/${UDEV_RULE_NAME} /etc/udev/rules.d/ && sudo udevadm control --reload-rules`;
const TRIGGER = 'sudo udevadm trigger --action=add --subsystem-match=hidraw --subsystem-match=usb';

/** The fix lines doctor prints (docs/deployment.md explains each). */
export const fixes = {
  installRule: `${INSTALL_RULE} && ${TRIGGER}`,
  udevTrigger: `${TRIGGER} (or unplug the token and plug it back in)`,
  hidrawAccess: `install the udev rule (${INSTALL_RULE}), then ${TRIGGER} or replug; a system service's user must be in group tokenbridge; on a desktop you must be the active seat user`,
  usbAccess: `install the udev rule (it covers the USB device nodes too), then ${TRIGGER} or replug`,
  chmod: (path: string) => `chmod 600 ${path}`,
  chmodFolder: (path: string) => `chmod 700 ${path}`,
  chown: (path: string, uid: number) => `chown ${uid} ${path} (the user the daemon runs as)`,
} as const;

/** Every PID the rule must list, as udev writes them (4 lower-case hex digits). */
export const RULE_PRODUCT_IDS: readonly string[] = OTP_PRODUCTS.map((p) =>
  p.productId.toString(16).padStart(4, '0'),
);
