import { type Driver, UsageError } from '../../../src/core';
import {
  createDriver,
  createDrivers,
  describeAvailability,
  DRIVER_NAMES,
  formatAvailability,
} from '../../../drivers';

describe('driver registry', () => {
  test.each(DRIVER_NAMES.map((n) => [n]))(
    'createDriver(%s) builds the driver of that name',
    (name) => {
      expect(createDriver(name).name).toBe(name);
    },
  );

  test('an unknown name is a usage error listing the options', () => {
    expect(() => createDriver('bluetooth')).toThrow(UsageError);
    expect(() => createDriver('bluetooth')).toThrow(
      'unknown driver "bluetooth": choose from hid, usb, virtual',
    );
  });

  test('createDrivers keeps order, drops duplicates, and fails before building on an unknown name', () => {
    expect(createDrivers(['virtual', 'hid', 'virtual']).map((d) => d.name)).toEqual([
      'virtual',
      'hid',
    ]);
    expect(() => createDrivers(['virtual', 'hdi'])).toThrow(/unknown driver "hdi"/);
  });

  test('describeAvailability never throws and keeps reason and fix', async () => {
    const broken: Driver = {
      name: 'broken',
      availability: async () => {
        throw new Error('boom');
      },
      enumerate: async () => [],
      open: async () => {
        throw new Error('unused');
      },
    };
    const missing: Driver = {
      ...broken,
      name: 'missing',
      availability: async () => ({ available: false, reason: 'no bus', fix: 'add one' }),
    };
    const reports = await describeAvailability([createDriver('virtual'), broken, missing]);
    expect(reports).toEqual([
      { name: 'virtual', available: true },
      { name: 'broken', available: false, reason: 'boom' },
      { name: 'missing', available: false, reason: 'no bus', fix: 'add one' },
    ]);
    expect(reports.map(formatAvailability)).toEqual([
      'virtual: available',
      'broken: unavailable: boom',
      'missing: unavailable: no bus (fix: add one)',
    ]);
  });

  test('an unavailable driver says so through the registry rather than at import', async () => {
    const hid = createDriver('hid');
    const availability = await hid.availability();
    if (!availability.available) expect(availability.reason).toMatch(/node-hid/);
    else await expect(hid.enumerate()).resolves.toBeInstanceOf(Array);
  });
});
