import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { defaultConfig, type ResolvedConfig } from '../../../src/config';
import {
  runDoctor,
  type CheckStatus,
  type DoctorReport,
  type Identity,
} from '../../../src/cli/doctor';
import type { DriverAvailabilityReport } from '../../../drivers';
import { FakeMachine } from './fake-machine';

const SHIPPED_RULE = readFileSync(join(__dirname, '../../../udev/69-tokenbridge.rules'), 'utf8');
/** The shipped rule as an older release had it: no YubiKey Plus (0410). */
const STALE_RULE = SHIPPED_RULE.replaceAll('|0410"', '"');
const BOTH_DRIVERS: DriverAvailabilityReport[] = [
  { name: 'hid', available: true },
  { name: 'usb', available: true },
];
const RUNNER: Identity = { uid: process.getuid?.() ?? 0, gids: process.getgroups?.() ?? [] };
/** Someone who is neither the owner of the fake files nor root. */
const STRANGER: Identity = { uid: 4242, gids: [4242] };

const machines: FakeMachine[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const m of machines.splice(0)) m.cleanup();
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A port held by something that is not tokenbridge: it hangs up on every connection. */
async function busyPort(): Promise<number> {
  const s = createNetServer((socket) => socket.destroy());
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as AddressInfo).port;
}

/** A port held by something answering /healthz the way the daemon does. */
async function daemonPort(): Promise<number> {
  const s = createHttpServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ ok: true, devices: 0 }));
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.address() as AddressInfo).port;
}

interface Setup {
  machine: FakeMachine;
  identity?: Identity;
  port?: number;
  exclusive?: boolean;
  extraUsbIds?: string[];
  enabled?: ('hid' | 'usb' | 'virtual')[];
  drivers?: DriverAvailabilityReport[];
  files?: { store?: number; key?: number; dir?: number };
}

/** A desktop with a YubiKey 5 (OTP + FIDO hidraw), group access, the current rule, private files. */
function healthy(): FakeMachine {
  const m = new FakeMachine().withKernel().key({ hidraw: { 0: 'hidraw0', 1: 'hidraw1' } });
  machines.push(m);
  return m.rule('/etc/udev/rules.d', SHIPPED_RULE);
}

function bare(): FakeMachine {
  const m = new FakeMachine();
  machines.push(m);
  return m;
}

async function doctor(setup: Setup): Promise<DoctorReport> {
  const files = setup.files ?? { store: 0o600, key: 0o600 };
  const paths = setup.machine.state(files.store, files.key, files.dir);
  const base = defaultConfig({ HOME: setup.machine.stateDir });
  const config: ResolvedConfig = {
    ...base,
    server: { ...base.server, port: setup.port ?? (await freePort()) },
    drivers: {
      ...base.drivers,
      enabled: setup.enabled ?? ['hid', 'usb', 'virtual'],
      exclusive: setup.exclusive ?? false,
      extraUsbIds: setup.extraUsbIds ?? [],
    },
    store: { ...base.store, path: paths.store, keyFile: paths.key },
  };
  return runDoctor({
    registry: false,
    config,
    root: setup.machine.root,
    identity: setup.identity ?? {
      uid: RUNNER.uid,
      gids: [...RUNNER.gids, setup.machine.fileGid()],
    },
    shippedRule: SHIPPED_RULE,
    driverReports: async () => setup.drivers ?? BOTH_DRIVERS,
    probeTimeoutMs: 2000,
  });
}

function statuses(report: DoctorReport): Record<string, CheckStatus> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

function check(report: DoctorReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${JSON.stringify(statuses(report))}`);
  return found;
}

describe('doctor on fake machines', () => {
  test('a healthy desktop: every check ok, the FIDO hidraw node is not judged', async () => {
    const report = await doctor({ machine: healthy() });
    expect(statuses(report)).toEqual({
      'hidraw:hidraw0': 'ok',
      'udev-rule': 'ok',
      'driver:hid': 'ok',
      'driver:usb': 'ok',
      'usb-bus': 'ok',
      'store-folder': 'ok',
      'store-file': 'ok',
      'key-file': 'ok',
      port: 'ok',
      'peer-check': 'ok',
    });
    expect(report.ok).toBe(true);
  });

  test.each<[string, () => Setup, Record<string, CheckStatus>, boolean]>([
    [
      'no hidraw and no USB bus (a container)',
      () => ({ machine: bare().rule('/etc/udev/rules.d', SHIPPED_RULE) }),
      { hidraw: 'warn', 'usb-bus': 'warn' },
      true,
    ],
    [
      'no token plugged in',
      () => ({ machine: bare().withKernel().rule('/etc/udev/rules.d', SHIPPED_RULE) }),
      { hidraw: 'warn', 'usb-bus': 'ok' },
      true,
    ],
    [
      'an OTP hidraw node this user cannot read (mode 0600, another owner)',
      () => ({
        machine: healthy().key({ hidraw: { 0: 'hidraw5' }, mode: 0o600, usbName: '1-3' }),
        identity: STRANGER,
      }),
      { 'hidraw:hidraw0': 'fail', 'hidraw:hidraw5': 'fail' },
      false,
    ],
    [
      'an OTP hidraw node readable through its group (mode 0660)',
      () => {
        const machine = healthy();
        return { machine, identity: { uid: 4242, gids: [machine.fileGid()] } };
      },
      { 'hidraw:hidraw0': 'ok' },
      true,
    ],
    [
      'an OTP hidraw node open to everyone (0666) for a stranger',
      () => ({
        machine: bare().withKernel().key({ mode: 0o666 }).rule('/etc/udev/rules.d', SHIPPED_RULE),
        identity: STRANGER,
      }),
      { 'hidraw:hidraw0': 'ok' },
      true,
    ],
    [
      'sysfs lists the node but udev made no /dev node',
      () => ({
        machine: bare()
          .withKernel()
          .key({ noDevNodes: true })
          .rule('/etc/udev/rules.d', SHIPPED_RULE),
      }),
      { 'hidraw:hidraw0': 'fail' },
      false,
    ],
    [
      'a token of a configured extra USB id (20a0:4108)',
      () => ({
        machine: bare()
          .withKernel()
          .key({ vendorId: 0x20a0, productId: 0x4108 })
          .rule('/etc/udev/rules.d', SHIPPED_RULE),
        extraUsbIds: ['20a0:4108'],
      }),
      { 'hidraw:hidraw0': 'ok' },
      true,
    ],
    [
      'another vendor not configured',
      () => ({
        machine: bare()
          .withKernel()
          .key({ vendorId: 0x20a0, productId: 0x4108 })
          .rule('/etc/udev/rules.d', SHIPPED_RULE),
      }),
      { hidraw: 'warn' },
      true,
    ],
    [
      'the udev rule missing',
      () => ({ machine: bare().withKernel().key({}) }),
      { 'udev-rule': 'fail' },
      false,
    ],
    [
      'a stale udev rule (no YubiKey Plus)',
      () => ({ machine: bare().withKernel().key({}).rule('/etc/udev/rules.d', STALE_RULE) }),
      { 'udev-rule': 'warn' },
      true,
    ],
    [
      'the packaged rule in /usr/lib/udev/rules.d',
      () => ({ machine: bare().withKernel().key({}).rule('/usr/lib/udev/rules.d', SHIPPED_RULE) }),
      { 'udev-rule': 'ok' },
      true,
    ],
    [
      'a stale copy in /etc shadowing the current one in /usr/lib',
      () => ({
        machine: bare()
          .withKernel()
          .key({})
          .rule('/usr/lib/udev/rules.d', SHIPPED_RULE)
          .rule('/etc/udev/rules.d', STALE_RULE),
      }),
      { 'udev-rule': 'warn' },
      true,
    ],
    [
      'the current rule with other comments and spacing',
      () => ({
        machine: bare()
          .withKernel()
          .key({})
          .rule('/etc/udev/rules.d', `# local copy\n\n${SHIPPED_RULE.replaceAll(', ', ',  ')}`),
      }),
      { 'udev-rule': 'ok' },
      true,
    ],
    [
      'the key file readable by others (0644)',
      () => ({ machine: healthy(), files: { store: 0o600, key: 0o644 } }),
      { 'key-file': 'fail', 'store-file': 'ok' },
      false,
    ],
    [
      'the registry readable by its group (0640)',
      () => ({ machine: healthy(), files: { store: 0o640, key: 0o600 } }),
      { 'store-file': 'fail' },
      false,
    ],
    [
      'a state folder others can write (0777): the registry could be swapped',
      () => ({ machine: healthy(), files: { store: 0o600, key: 0o600, dir: 0o777 } }),
      { 'store-folder': 'fail', 'store-file': 'ok', 'key-file': 'ok' },
      false,
    ],
    [
      'a state folder its group can write (0770)',
      () => ({ machine: healthy(), files: { store: 0o600, key: 0o600, dir: 0o770 } }),
      { 'store-folder': 'fail' },
      false,
    ],
    [
      'a listable state folder (0755) with private files',
      () => ({ machine: healthy(), files: { store: 0o600, key: 0o600, dir: 0o755 } }),
      { 'store-folder': 'ok', 'store-file': 'ok', 'key-file': 'ok' },
      true,
    ],
    [
      'a registry whose key file is gone',
      () => ({ machine: healthy(), files: { store: 0o600 } }),
      { 'key-file': 'fail' },
      false,
    ],
    [
      'a first run: neither registry nor key yet',
      () => ({ machine: healthy(), files: {} }),
      { 'store-file': 'ok', 'key-file': 'ok' },
      true,
    ],
    [
      'files owned by someone else',
      () => ({ machine: healthy(), identity: { uid: 4242, gids: [] } }),
      { 'store-file': 'warn', 'key-file': 'warn' },
      false, // the hidraw node (0660, another group) fails for uid 4242 as well
    ],
    [
      'node-hid missing while usb loads',
      () => ({
        machine: healthy(),
        drivers: [
          {
            name: 'hid',
            available: false,
            reason: 'node-hid is not installed',
            fix: 'npm install node-hid',
          },
          { name: 'usb', available: true },
        ],
      }),
      { 'driver:hid': 'warn', 'driver:usb': 'ok' },
      true,
    ],
    [
      'no native driver loads at all',
      () => ({
        machine: healthy(),
        drivers: [
          { name: 'hid', available: false, reason: 'node-hid is not installed' },
          {
            name: 'usb',
            available: false,
            reason: 'libusb-1.0.so.0: cannot open shared object file',
          },
        ],
      }),
      { 'driver:hid': 'fail', 'driver:usb': 'fail' },
      false,
    ],
  ])('%s', async (_name, setup, expected, ok) => {
    const report = await doctor(setup());
    expect(statuses(report)).toMatchObject(expected);
    expect(report.ok).toBe(ok);
    for (const c of report.checks.filter((c) => c.status !== 'ok'))
      expect(c.fix ?? '').not.toBe('');
  });

  test('the stale rule names the product ids it does not cover', async () => {
    const report = await doctor({
      machine: bare().withKernel().key({}).rule('/etc/udev/rules.d', STALE_RULE),
    });
    expect(check(report, 'udev-rule').detail).toMatch(/does not cover product ids 0410/);
    expect(check(report, 'udev-rule').fix).toContain('69-tokenbridge.rules');
  });

  test('an unreadable node names its mode and owner and the fix', async () => {
    const report = await doctor({
      machine: bare().withKernel().key({ mode: 0o600 }).rule('/etc/udev/rules.d', SHIPPED_RULE),
      identity: STRANGER,
    });
    const c = check(report, 'hidraw:hidraw0');
    expect(c.detail).toMatch(/uid 4242 cannot read and write it \(mode 0600/);
    expect(c.fix).toMatch(/udevadm trigger/);
  });

  test('a port held by another program fails; one held by a tokenbridge daemon is ok', async () => {
    const busy = await doctor({ machine: healthy(), port: await busyPort() });
    expect(check(busy, 'port')).toMatchObject({
      status: 'fail',
      detail: 'in use by another program',
    });
    expect(busy.ok).toBe(false);
    const ours = await doctor({ machine: healthy(), port: await daemonPort() });
    expect(check(ours, 'port').status).toBe('ok');
    expect(check(ours, 'port').detail).toMatch(/running tokenbridge daemon/);
  });

  test('port 0 is ok without listening: the daemon picks one at start', async () => {
    const report = await doctor({ machine: healthy(), port: 0 });
    expect(check(report, 'port')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/picks a free port/),
    });
  });

  test('the hid checks are skipped when the hid driver is not enabled', async () => {
    const report = await doctor({ machine: healthy(), enabled: ['usb'] });
    expect(report.checks.some((c) => c.id.startsWith('hidraw'))).toBe(false);
  });
});

describe('doctor in exclusive mode', () => {
  test.each<[string, () => Setup, CheckStatus, RegExp]>([
    [
      'usbhid holds the interface and the device node is writable',
      () => ({ machine: healthy() }),
      'ok',
      /\/dev\/bus\/usb\/001\/004 readable and writable; interface 0 is bound to usbhid/,
    ],
    [
      'the interface is claimed by a program',
      () => ({
        machine: bare()
          .withKernel()
          .key({ interfaceDriver: 'usbfs' })
          .rule('/etc/udev/rules.d', SHIPPED_RULE),
      }),
      'ok',
      /claimed by a program/,
    ],
    [
      'the interface is bound to no driver',
      () => ({
        machine: bare()
          .withKernel()
          .key({ interfaceDriver: null })
          .rule('/etc/udev/rules.d', SHIPPED_RULE),
      }),
      'ok',
      /bound to no driver/,
    ],
    [
      'the device node is not writable for this user',
      () => ({
        machine: bare().withKernel().key({ mode: 0o644 }).rule('/etc/udev/rules.d', SHIPPED_RULE),
        identity: STRANGER,
      }),
      'fail',
      /uid 4242 cannot open \/dev\/bus\/usb\/001\/004 \(mode 0644/,
    ],
    [
      'the device node is missing',
      () => ({
        machine: bare()
          .withKernel()
          .key({ noDevNodes: true })
          .rule('/etc/udev/rules.d', SHIPPED_RULE),
      }),
      'fail',
      /no device node \/dev\/bus\/usb\/001\/004/,
    ],
  ])('%s', async (_name, setup, status, detail) => {
    const report = await doctor({ ...setup(), exclusive: true });
    const c = check(report, 'exclusive:1-2');
    expect(c.status).toBe(status);
    expect(c.detail).toMatch(detail);
  });

  test('a usb driver that does not load fails in exclusive mode even when hid works', async () => {
    const report = await doctor({
      machine: healthy(),
      exclusive: true,
      drivers: [
        { name: 'hid', available: true },
        { name: 'usb', available: false, reason: 'no libusb' },
      ],
    });
    expect(check(report, 'driver:usb').status).toBe('fail');
    expect(report.ok).toBe(false);
  });

  test('no USB bus in a container is reported once, by the usb driver that cannot run', async () => {
    const report = await doctor({
      machine: bare().dir('/sys/class/hidraw').rule('/etc/udev/rules.d', SHIPPED_RULE),
      drivers: [
        { name: 'hid', available: true },
        {
          name: 'usb',
          available: false,
          reason: 'no USB bus: /sys/bus/usb is absent (a container or VM without USB?)',
        },
      ],
    });
    const aboutTheBus = report.checks.filter((c) => /USB bus/i.test(`${c.title} ${c.detail}`));
    expect(aboutTheBus.map((c) => [c.id, c.status])).toEqual([['driver:usb', 'warn']]);
    // With a usb driver that loads (or none asked for), the bus check itself says it.
    const loads = await doctor({ machine: bare().dir('/sys/class/hidraw') });
    expect(statuses(loads)['usb-bus']).toBe('warn');
  });

  test('no token on the USB bus is a warning', async () => {
    const report = await doctor({
      machine: bare().withKernel().rule('/etc/udev/rules.d', SHIPPED_RULE),
      exclusive: true,
    });
    expect(check(report, 'exclusive').status).toBe('warn');
  });

  test('exclusive checks are absent in shared mode', async () => {
    const report = await doctor({ machine: healthy() });
    expect(report.checks.some((c) => c.id.startsWith('exclusive'))).toBe(false);
  });
});
