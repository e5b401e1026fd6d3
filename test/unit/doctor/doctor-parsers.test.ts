import {
  interfaceFromPhys,
  modeAllowsReadWrite,
  normaliseRule,
  parseHidId,
  parseUevent,
  ruleProductIds,
} from '../../../src/cli/doctor';

describe('sysfs parsing', () => {
  test.each([
    ['0003:00001050:00000407', { bus: 3, vendorId: 0x1050, productId: 0x0407 }],
    ['0003:000020A0:00004108', { bus: 3, vendorId: 0x20a0, productId: 0x4108 }],
    ['0003:1050:0407', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('HID_ID %s', (value, expected) => {
    expect(parseHidId(value)).toEqual(expected);
  });

  test.each([
    ['usb-0000:00:14.0-2/input0', 0],
    ['usb-0000:00:14.0-2.1/input1', 1],
    ['', undefined],
    ['usb-0000:00:14.0-2', undefined],
  ])('HID_PHYS %s is interface %s', (value, expected) => {
    expect(interfaceFromPhys(value)).toBe(expected);
  });

  test('uevent lines become fields; lines without = are ignored', () => {
    const fields = parseUevent(
      'DRIVER=hid-generic\nHID_ID=0003:00001050:00000407\ngarbage\nHID_UNIQ=\n',
    );
    expect([...fields]).toEqual([
      ['DRIVER', 'hid-generic'],
      ['HID_ID', '0003:00001050:00000407'],
      ['HID_UNIQ', ''],
    ]);
  });
});

describe('permission bits for an identity', () => {
  const file = { uid: 1000, gid: 50 };
  test.each([
    ['root, mode 0000', 0o000, { uid: 0, gids: [0] }, true],
    ['owner, 0600', 0o600, { uid: 1000, gids: [1000] }, true],
    ['owner, 0400 (read only)', 0o400, { uid: 1000, gids: [1000] }, false],
    ['owner with group bits only, 0060', 0o060, { uid: 1000, gids: [50] }, false],
    ['group member, 0660', 0o660, { uid: 2000, gids: [50] }, true],
    ['group member, 0640', 0o640, { uid: 2000, gids: [50] }, false],
    ['other, 0660', 0o660, { uid: 2000, gids: [2000] }, false],
    ['other, 0666', 0o666, { uid: 2000, gids: [2000] }, true],
  ])('%s', (_name, mode, who, expected) => {
    expect(modeAllowsReadWrite({ ...file, mode: 0o20000 | mode }, who)).toBe(expected);
  });
});

describe('udev rule comparison', () => {
  const rule = [
    '# comment',
    'ACTION!="add|change", GOTO="x"',
    '',
    'SUBSYSTEM=="hidraw", ATTRS{idVendor}=="1050", ATTRS{idProduct}=="0010|0407", \\',
    '  TAG+="uaccess"',
  ].join('\n');

  test('comments, blank lines, continuations and spacing do not matter', () => {
    expect(normaliseRule(rule)).toBe(
      'ACTION!="add|change", GOTO="x"\nSUBSYSTEM=="hidraw", ATTRS{idVendor}=="1050", ATTRS{idProduct}=="0010|0407", TAG+="uaccess"',
    );
  });

  test('a different value does', () => {
    expect(normaliseRule(rule.replace('0407', '0410'))).not.toBe(normaliseRule(rule));
  });

  test('product ids from ATTRS and ATTR matches', () => {
    expect([...ruleProductIds(`${rule}\nATTR{idProduct}=="0116"`)].sort()).toEqual(
      ['0010', '0407', '0116'].sort(),
    );
  });
});
