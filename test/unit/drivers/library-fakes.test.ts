import { DeviceError, ErrorCode } from '../../../src/core';
import { toDeviceError } from '../../../drivers/hid';
import { FakeNodeHid } from '../../fakes/fake-node-hid';
import { FakeUsb } from '../../fakes/fake-usb';
import { contractToken } from '../../contract/harnesses';

describe('native library errors map to stable codes', () => {
  test.each([
    ['could not get feature report from device: ioctl (GFEATURE): No such device', 'DEVICE_GONE'],
    [
      'could not read from HID device: hid_read_timeout: unexpected poll error (device disconnected)',
      'DEVICE_GONE',
    ],
    ['controlTransferIn error: device disconnected', 'DEVICE_GONE'],
    ['transferIn error: Disconnected', 'DEVICE_GONE'],
    ['open error: No such device (os error 19)', 'DEVICE_GONE'],
    ['LIBUSB_ERROR_NO_DEVICE', 'DEVICE_GONE'],
    ['device has been closed', 'DEVICE_CLOSED'],
    ['controlTransferIn error: endpoint stalled', 'DEVICE_IO'],
    ['could not send feature report to device: ioctl (SFEATURE): Broken pipe', 'DEVICE_IO'],
    ['claimInterface error: Device or resource busy (os error 16)', 'DEVICE_IO'],
  ])('%s -> %s', (message, code) => {
    expect(toDeviceError(new Error(message), 'doing it').code).toBe(code);
  });

  test('our own errors pass through unchanged', () => {
    const ours = new DeviceError(ErrorCode.DEVICE_BUSY, 'busy');
    expect(toDeviceError(ours, 'x')).toBe(ours);
  });
});

// The fakes are only worth something if they refuse what the real libraries refuse.
describe('FakeNodeHid behaves like node-hid over hidraw', () => {
  async function opened() {
    const fake = new FakeNodeHid();
    const token = contractToken();
    const device = await fake.HIDAsync.open(fake.attach(token));
    return { fake, token, device };
  }

  test('feature reports carry the report ID: 9 bytes back, a missing 0x00 is a STALL', async () => {
    const { device } = await opened();
    const raw = await device.getFeatureReport(0, 9);
    expect(raw).toHaveLength(9);
    expect(raw[0]).toBe(0);
    await expect(device.sendFeatureReport([0, 0, 0, 0, 0, 0, 0, 0x8f])).rejects.toThrow(
      /Broken pipe/,
    );
    await expect(device.sendFeatureReport([0, 0, 0, 0, 0, 0, 0, 0, 0x8f])).resolves.toBe(9);
    await device.close();
  });

  test('use after close throws, a second close rejects', async () => {
    const { device } = await opened();
    await device.close();
    await expect(device.getFeatureReport(0, 9)).rejects.toThrow('device has been closed');
    await expect(device.close()).rejects.toThrow('device is already closed');
  });

  test('an unplug errors the read thread and later reports fail with ENODEV', async () => {
    const { token, device } = await opened();
    const errors: unknown[] = [];
    device.on('data', () => undefined);
    device.on('error', (e) => errors.push(e));
    await new Promise((r) => setImmediate(r));
    token.unplug();
    expect(String(errors[0])).toMatch(/device disconnected/);
    await expect(device.getFeatureReport(0, 9)).rejects.toThrow(/No such device/);
    await device.close();
  });
});

describe('FakeUsb behaves like usb 3.x on Linux', () => {
  function plugged() {
    const fake = new FakeUsb();
    const token = contractToken();
    const device = fake.attach(token, { bus: 1, ports: [2] });
    return { fake, token, device };
  }
  const getReport = {
    requestType: 'class',
    recipient: 'interface',
    request: 1,
    value: 0x300,
    index: 0,
  } as const;

  test('the kernel driver holds interface 0 until detached', async () => {
    const { device } = plugged();
    await expect(device.claimInterface(0)).rejects.toThrow('invalid state'); // not open
    await device.open();
    await expect(device.claimInterface(0)).rejects.toThrow(/busy/);
    await device.detachKernelDriver(0);
    await expect(device.detachKernelDriver(0)).rejects.toThrow(/No data available/);
    await device.claimInterface(0);
    await expect(device.attachKernelDriver(0)).rejects.toThrow(/busy/);
  });

  test('control transfers need a claim, and unknown requests STALL', async () => {
    const { device } = plugged();
    await device.open();
    await expect(device.controlTransferIn(getReport, 8)).rejects.toThrow('invalid state');
    await device.detachKernelDriver(0);
    await device.claimInterface(0);
    const ok = await device.controlTransferIn(getReport, 8);
    expect(ok.status).toBe('ok');
    expect(ok.data?.byteLength).toBe(8);
    await expect(device.controlTransferIn({ ...getReport, value: 0x0100 }, 8)).rejects.toThrow(
      'stalled',
    );
    await expect(
      device.controlTransferIn({ ...getReport, recipient: 'device' }, 8),
    ).rejects.toThrow('stalled');
    await expect(
      device.controlTransferOut({ ...getReport, request: 9 }, new Uint8Array(7)),
    ).rejects.toThrow('stalled');
  });

  test('interrupt transfers time out as Cancelled and fail as Disconnected on unplug', async () => {
    const { token, device, fake } = plugged();
    await device.open();
    await device.detachKernelDriver(0);
    await device.claimInterface(0);
    await expect(device.transferIn(1, 8, 5)).rejects.toThrow('transferIn error: Cancelled');
    const pending = device.transferIn(1, 8, 1000);
    const disconnects: unknown[] = [];
    fake.usb.addEventListener('disconnect', (e) => disconnects.push(e.device));
    token.unplug();
    await expect(pending).rejects.toThrow('transferIn error: Disconnected');
    expect(disconnects).toEqual([device]);
    await expect(fake.usb.getDevices()).resolves.toEqual([]);
  });
});
