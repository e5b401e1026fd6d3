import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SLOT_CONFIG_VECTORS } from '../vectors/slot-configs';

/** Debian's interpreter, where python3-yubikey-manager installs yubikit (scripts/setup.sh). */
const PYTHON = '/usr/bin/python3';

describe("the slot-configuration vectors are what Yubico's yubikit builds", () => {
  const built = JSON.parse(
    execFileSync(PYTHON, [join(__dirname, 'slot_configs.py')], {
      input: JSON.stringify(SLOT_CONFIG_VECTORS.map((v) => v.yubikit)),
      encoding: 'utf8',
    }),
  ) as string[];

  test.each(SLOT_CONFIG_VECTORS.map((v, i) => [v.name, v.hex, i] as const))(
    '%s',
    (_name, hex, i) => {
      expect(built[i]).toBe(hex);
    },
  );
});
