import { ErrorCode, fromHex, toHex, TokenBridgeError } from '../../../src/core';
import { HidDriver, stripReportId, withReportId } from '../../../drivers/hid';
import { FakeNodeHid } from '../../fakes/fake-node-hid';
import { contractToken } from '../../contract/harnesses';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TokenBridgeError ? err.code : 'not a TokenBridgeError';
  }
  return undefined;
}

describe('report-ID byte handling', () => {
  test.each([
    ['hidraw, report ID first', '000504030105000000', '0504030105000000'],
    ['backend without the ID, data starting with 00', '0005040301050000', '0005040301050000'],
    ['backend without the ID', '006b956a8c7b0040', '006b956a8c7b0040'],
    ['hidraw, response chunk', '00006b956a8c7b0040', '006b956a8c7b0040'],
  ])('strips only a 9-byte read: %s', (_name, raw, data) => {
    expect(toHex(stripReportId(fromHex(raw)))).toBe(data);
  });

  test.each([
    ['a non-zero report ID', '010504030105000000'],
    ['too short', '05040301050000'],
    ['too long', '00050403010500000000'],
  ])('rejects %s as a bad report', (_name, raw) => {
    expect(codeOf(() => stripReportId(fromHex(raw)))).toBe(ErrorCode.PROTOCOL_BAD_REPORT);
  });

  test('prefixes 0x00 to exactly 8 bytes and refuses other lengths', () => {
    expect(withReportId(fromHex('0010 6b5b 0000 0089'.replace(/ /g, '')))).toEqual([
      0x00, 0x00, 0x10, 0x6b, 0x5b, 0x00, 0x00, 0x00, 0x89,
    ]);
    expect(codeOf(() => withReportId(new Uint8Array(7)))).toBe(ErrorCode.INVALID_INPUT);
    expect(codeOf(() => withReportId(new Uint8Array(9)))).toBe(ErrorCode.INVALID_INPUT);
  });
});

describe('HidDriver over node-hid', () => {
  async function openWith(style: 'linux' | 'bare') {
    const fake = new FakeNodeHid();
    fake.reportIdStyle = style;
    const token = contractToken();
    fake.attach(token);
    const driver = new HidDriver({
      loadNodeHid: () => fake,
      platform: 'linux',
      sysfsRoot: '/none',
    });
    const [info] = await driver.enumerate();
    const connection = await driver.open(info!);
    return { fake, token, connection };
  }

  test.each(['linux', 'bare'] as const)(
    'reads the same status whether hidapi returns the ID or not (%s)',
    async (style) => {
      const { token, connection } = await openWith(style);
      const status = await connection.getFeatureReport();
      expect([...status.subarray(1, 4)]).toEqual([...token.spec.firmware]);
      await connection.close();
    },
  );

  test('opens non-exclusively so macOS does not seize the keyboard', async () => {
    const { fake, connection } = await openWith('linux');
    expect(fake.openOptions.map((o) => o.options)).toEqual([{ nonExclusive: true }]);
    await connection.close();
  });

  test('passes on 8-byte input reports and ignores other lengths', async () => {
    const { fake, connection } = await openWith('linux');
    const seen: string[] = [];
    connection.on('input', (r) => seen.push(toHex(r)));
    const device = fake.opened[0]!;
    device.emit('data', Buffer.from('000000000000000000', 'hex'));
    device.emit('data', Buffer.from('0200040000000000', 'hex'));
    device.emit('data', Buffer.from('0000', 'hex'));
    expect(seen).toEqual(['0200040000000000']);
    await connection.close();
  });

  test('an I/O error from the read thread ends the connection with DEVICE_IO, then DEVICE_CLOSED', async () => {
    const { fake, connection } = await openWith('linux');
    const codes: string[] = [];
    connection.on('error', (e) => codes.push(e.code));
    const closed = new Promise<void>((resolve) => connection.on('close', resolve));
    fake.opened[0]!.emit('error', new Error('could not read from HID device: Input/output error'));
    await closed;
    expect(codes).toEqual([ErrorCode.DEVICE_IO]);
    await expect(connection.getFeatureReport()).rejects.toMatchObject({
      code: ErrorCode.DEVICE_CLOSED,
    });
    expect(fake.openHandles()).toBe(0);
  });

  test('does not read keyboard input on Windows, where hidapi cannot', async () => {
    const fake = new FakeNodeHid();
    fake.attach(contractToken());
    const driver = new HidDriver({ loadNodeHid: () => fake, platform: 'win32' });
    const [info] = await driver.enumerate();
    const connection = await driver.open(info!);
    expect(fake.opened[0]!.listenerCount('data')).toBe(0);
    await expect(connection.getFeatureReport()).resolves.toHaveLength(8);
    await connection.close();
  });

  test('open failures name the udev rule', async () => {
    const fake = new FakeNodeHid();
    const driver = new HidDriver({ loadNodeHid: () => fake, platform: 'linux' });
    const info = {
      driver: 'hid',
      path: '/dev/hidraw99',
      vendorId: 0x1050,
      productId: 0x0407,
      model: 'YubiKey 4/5',
      interfaceNumber: 0,
      access: 'shared' as const,
    };
    await expect(driver.open(info)).rejects.toMatchObject({
      code: ErrorCode.DEVICE_IO,
      message: expect.stringContaining('udev rule'),
    });
  });
});

describe('HidDriver availability', () => {
  test('a native load failure is a reason and a fix, never a throw', async () => {
    const driver = new HidDriver({
      platform: 'linux',
      loadNodeHid: () => {
        throw new Error(
          'libusb-1.0.so.0: cannot open shared object file: No such file or directory',
        );
      },
    });
    await expect(driver.availability()).resolves.toEqual({
      available: false,
      reason:
        'node-hid native module failed to load: libusb-1.0.so.0: cannot open shared object file: No such file or directory',
      fix: expect.stringContaining('apt-get install libusb-1.0-0'),
    });
    await expect(driver.enumerate()).rejects.toMatchObject({ code: ErrorCode.DRIVER_UNAVAILABLE });
  });

  test('the binding is probed: a module that loads but whose binding fails is unavailable', async () => {
    const fake = new FakeNodeHid();
    fake.getHidapiVersion = () => {
      throw new Error("Cannot find module './build/Release/HID_hidraw.node'");
    };
    const driver = new HidDriver({ loadNodeHid: () => fake });
    const availability = await driver.availability();
    expect(availability).toMatchObject({ available: false, fix: expect.stringContaining('npm') });
  });
});
