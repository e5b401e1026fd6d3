import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEY_CREDENTIAL_NAME, loadConfig } from '../../../src/config';
import {
  parseUnit,
  readUnit,
  SYSTEMD_DIR,
  systemdAnalyze,
  valuesOf,
  type Setting,
} from './systemd-units';

const SYSTEM_UNIT = 'tokenbridge.service';
const USER_UNIT = 'tokenbridge-user.service';
const KIOSK_DROP_IN = join('tokenbridge.service.d', 'kiosk.conf.example');
const USER_DROP_IN = join('tokenbridge-user.service.d', 'no-userns.conf.example');
const FLEET_DROP_IN = join('tokenbridge.service.d', 'fleet.conf.example');
const SHIPPED_BINARY = '/usr/bin/tokenbridge';
const REPO = join(__dirname, '..', '..', '..');

/** Keys systemd allows more than once in one unit (each adds to a list). */
const REPEATABLE = new Set([
  'After',
  'Wants',
  'Documentation',
  'DeviceAllow',
  'SystemCallFilter',
  'Environment',
  'ExecStart',
  'LoadCredential',
  'RestrictAddressFamilies',
  'IPAddressAllow',
  'IPAddressDeny',
]);

const system = readUnit(SYSTEM_UNIT);
const user = readUnit(USER_UNIT);

function single(settings: readonly Setting[], section: string, key: string): string | undefined {
  const values = valuesOf(settings, section, key);
  expect(values.length).toBeLessThanOrEqual(1);
  return values[0];
}

describe.each([
  [SYSTEM_UNIT, system],
  [USER_UNIT, user],
])('%s: structure', (_name, unit) => {
  test('has [Unit], [Service] and [Install], in that order, and nothing else', () => {
    expect([...new Set(unit.map((s) => s.section))]).toEqual(['Unit', 'Service', 'Install']);
  });

  test('sets no key twice unless systemd treats it as a list', () => {
    const seen = new Map<string, number>();
    for (const s of unit) {
      const id = `${s.section}.${s.key}`;
      if (seen.has(id) && !REPEATABLE.has(s.key)) {
        throw new Error(`${id} set at lines ${seen.get(id)} and ${s.line}`);
      }
      seen.set(id, s.line);
    }
    expect(seen.size).toBeGreaterThan(20);
  });

  test('runs tokenbridge serve with an explicit config file, as a simple service', () => {
    expect(single(unit, 'Service', 'Type')).toBe('simple'); // no sd_notify support yet
    expect(single(unit, 'Service', 'ExecStart')).toMatch(
      /^\/usr\/bin\/tokenbridge serve --config \S+\/config\.json$/,
    );
  });

  test('never turns on MemoryDenyWriteExecute (V8 aborts at start with it)', () => {
    const values = valuesOf(unit, 'Service', 'MemoryDenyWriteExecute');
    for (const v of values) expect(v).toMatch(/^(no|false|0|off)$/);
  });

  test('restarts on failure, stops on SIGTERM within 5 s, keeps its socket in a private folder', () => {
    expect(single(unit, 'Service', 'Restart')).toBe('on-failure');
    expect(single(unit, 'Service', 'RestartSec')).toBeDefined();
    expect(single(unit, 'Service', 'KillSignal')).toBe('SIGTERM');
    expect(single(unit, 'Service', 'TimeoutStopSec')).toBe('5');
    expect(single(unit, 'Service', 'RuntimeDirectory')).toBe('tokenbridge');
    expect(single(unit, 'Service', 'RuntimeDirectoryMode')).toBe('0700');
    expect(single(unit, 'Service', 'UMask')).toBe('0077');
  });

  test('filters system calls and address families', () => {
    expect(valuesOf(unit, 'Service', 'SystemCallFilter')).toEqual([
      '@system-service',
      '~@privileged @resources',
    ]);
    expect(single(unit, 'Service', 'SystemCallErrorNumber')).toBe('EPERM');
    expect(single(unit, 'Service', 'SystemCallArchitectures')).toBe('native');
    expect(valuesOf(unit, 'Service', 'RestrictAddressFamilies')).toEqual([
      'AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    ]);
    for (const key of [
      'NoNewPrivileges',
      'LockPersonality',
      'RestrictRealtime',
      'RestrictSUIDSGID',
      'RestrictNamespaces',
    ]) {
      expect([key, single(unit, 'Service', key)]).toEqual([key, 'yes']);
    }
  });
});

describe(`${SYSTEM_UNIT}: the system install`, () => {
  test('runs as its own user and group, with the config in /etc/tokenbridge', () => {
    expect(single(system, 'Service', 'User')).toBe('tokenbridge');
    expect(single(system, 'Service', 'Group')).toBe('tokenbridge');
    expect(single(system, 'Service', 'ExecStart')).toBe(
      '/usr/bin/tokenbridge serve --config /etc/tokenbridge/config.json',
    );
    expect(single(system, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  test('keeps the registry in /var/lib/tokenbridge, the folder the shipped configurations name', () => {
    expect(single(system, 'Service', 'StateDirectory')).toBe('tokenbridge');
    expect(single(system, 'Service', 'StateDirectoryMode')).toBe('0700');
    for (const name of ['system.json', 'kiosk.json']) {
      const config = loadConfig({ file: join(REPO, 'examples', name), env: {} });
      expect([name, config.store.path]).toEqual([name, '/var/lib/tokenbridge/tokens.sqlite']);
      // The CLI reads the key file the unit passes as its credential...
      expect([name, config.store.keyFile]).toEqual([name, '/etc/tokenbridge/seed.key']);
      // ...and finds the sockets the unit's RuntimeDirectory= holds.
      expect([name, config.drivers.emulatorSocket]).toEqual([
        name,
        '/run/tokenbridge/emulator.sock',
      ]);
      expect([name, config.server.controlSocket]).toEqual([name, '/run/tokenbridge/control.sock']);
    }
  });

  test('loads the seed key as the credential the config loader looks for', () => {
    expect(valuesOf(system, 'Service', 'LoadCredential')).toEqual([
      `${KEY_CREDENTIAL_NAME}:/etc/tokenbridge/seed.key`,
    ]);
    const config = loadConfig({
      env: {
        STATE_DIRECTORY: '/var/lib/tokenbridge',
        CREDENTIALS_DIRECTORY: '/run/credentials/tokenbridge.service',
      },
      fileExists: (path) => path === `/run/credentials/tokenbridge.service/${KEY_CREDENTIAL_NAME}`,
    });
    expect(config.store.keyFile).toBe(
      `/run/credentials/tokenbridge.service/${KEY_CREDENTIAL_NAME}`,
    );
  });

  test.each<[string, string]>([
    ['NoNewPrivileges', 'yes'],
    ['CapabilityBoundingSet', ''],
    ['AmbientCapabilities', ''],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['ProtectKernelTunables', 'yes'],
    ['ProtectKernelModules', 'yes'],
    ['ProtectKernelLogs', 'yes'],
    ['ProtectControlGroups', 'yes'],
    ['ProtectClock', 'yes'],
    ['ProtectHostname', 'yes'],
    ['ProtectProc', 'invisible'],
    ['PrivateDevices', 'no'], // hidraw and /dev/bus/usb must stay visible...
    ['DevicePolicy', 'closed'], // ...but only the allowed device classes can be opened
    ['IPAddressDeny', 'any'],
    ['IPAddressAllow', 'localhost'],
    ['RuntimeDirectoryMode', '0700'],
  ])('%s=%s', (key, value) => {
    expect(valuesOf(system, 'Service', key)).toEqual([value]);
  });

  test('allows exactly the hidraw and USB device classes', () => {
    expect(valuesOf(system, 'Service', 'DeviceAllow').sort()).toEqual([
      'char-hidraw rw',
      'char-usb_device rw',
    ]);
  });

  test('every hardening line that is not self-explanatory carries a comment saying why', () => {
    const text = readFileSync(join(SYSTEMD_DIR, SYSTEM_UNIT), 'utf8').split('\n');
    for (const key of [
      'PrivateDevices',
      'DeviceAllow',
      'RestrictAddressFamilies',
      'IPAddressAllow',
      'SystemCallFilter',
      'LoadCredential',
      'TimeoutStopSec',
      'User',
    ]) {
      // The comment may head a small group of related lines (KillSignal + TimeoutStopSec).
      let i = text.findIndex((l) => l.startsWith(`${key}=`)) - 1;
      while (i >= 0 && /^[A-Za-z]+=/.test(text[i]!)) i--;
      expect([key, text[i]?.startsWith('#')]).toEqual([key, true]);
    }
    expect(text.some((l) => /^# MemoryDenyWriteExecute.*left out/.test(l))).toBe(true);
  });

  test('the sysusers file creates the user and group the unit and the udev rule name', () => {
    const root = mkdtempSync(join(tmpdir(), 'tokenbridge-sysusers-'));
    try {
      mkdirSync(join(root, 'etc'));
      const result = spawnSync(
        'systemd-sysusers',
        [`--root=${root}`, join(SYSTEMD_DIR, 'tokenbridge.sysusers.conf')],
        { encoding: 'utf8' },
      );
      if (result.error)
        throw new Error('systemd-sysusers not found: apt-get install systemd (CI installs it)');
      expect(result.status).toBe(0);
      const passwd = readFileSync(join(root, 'etc', 'passwd'), 'utf8');
      const group = readFileSync(join(root, 'etc', 'group'), 'utf8');
      expect(passwd).toMatch(
        /^tokenbridge:x:\d+:\d+:[^:]*:\/var\/lib\/tokenbridge:\/usr\/sbin\/nologin$/m,
      );
      expect(group).toMatch(/^tokenbridge:x:\d+:$/m);
      const udev = readFileSync(join(REPO, 'udev', '69-tokenbridge.rules'), 'utf8');
      expect(udev).toContain('GROUP="tokenbridge"');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe(`${USER_UNIT}: the desktop install`, () => {
  test('is a user unit: no User=, started with the session, config under ~/.config', () => {
    expect(valuesOf(user, 'Service', 'User')).toEqual([]);
    expect(valuesOf(user, 'Service', 'Group')).toEqual([]);
    expect(single(user, 'Install', 'WantedBy')).toBe('default.target');
    expect(single(user, 'Service', 'ExecStart')).toBe(
      '/usr/bin/tokenbridge serve --config %h/.config/tokenbridge/config.json',
    );
  });

  test('has no StateDirectory=: %S differs between systemd 252 and 254, the config names the registry', () => {
    expect(valuesOf(user, 'Service', 'StateDirectory')).toEqual([]);
    const config = loadConfig({
      file: join(REPO, 'examples', 'desktop.json'),
      env: { HOME: '/home/u' },
    });
    expect(config.store).toMatchObject({
      path: '/home/u/.local/state/tokenbridge/tokens.sqlite',
      keyFile: '/home/u/.local/state/tokenbridge/seed.key',
    });
  });

  test.each([
    // A user manager holds no capabilities: these fail the start with 218/CAPABILITIES or 216/GROUP.
    'AmbientCapabilities',
    'SupplementaryGroups',
    // ProtectClock= implies DeviceAllow=char-rtc, a device allow-list that would shut out hidraw.
    'ProtectClock',
    // These need BPF, or are for system services only (systemd.exec(5)).
    'DevicePolicy',
    'DeviceAllow',
    'IPAddressDeny',
    'ProtectControlGroups',
    'ProtectProc',
    'ProcSubset',
    'LoadCredential',
  ])('leaves out %s, which a user manager cannot apply', (key) => {
    expect(valuesOf(user, 'Service', key)).toEqual([]);
  });

  test.each<[string, string]>([
    // First a user namespace of its own: inside it the file-system namespaces below work unprivileged.
    ['PrivateUsers', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ReadWritePaths', '%h'], // the registry lives where the configuration names it, in the home
    ['PrivateTmp', 'yes'],
    ['PrivateMounts', 'yes'],
    ['ProtectKernelTunables', 'yes'],
    ['ProtectKernelModules', 'yes'],
    ['ProtectKernelLogs', 'yes'],
    ['ProtectHostname', 'yes'],
    ['CapabilityBoundingSet', ''], // inside its own user namespace; it has none outside
  ])('sandboxes itself as far as a user manager allows: %s=%s', (key, value) => {
    expect(valuesOf(user, 'Service', key)).toEqual([value]);
  });

  test('the home folder stays writable and every other path is read-only', () => {
    const writable = valuesOf(user, 'Service', 'ReadWritePaths');
    const config = loadConfig({
      file: join(REPO, 'examples', 'desktop.json'),
      env: { HOME: '/home/u' },
    });
    for (const path of [config.store.path, config.store.keyFile])
      expect(path.startsWith('/home/u/')).toBe(true);
    expect(writable).toEqual(['%h']);
  });
});

describe('the kiosk drop-in example', () => {
  const dropIn = parseUnit(readFileSync(join(SYSTEMD_DIR, KIOSK_DROP_IN), 'utf8'));

  test("keeps the unit's ExecStart: the kiosk configuration is /etc/tokenbridge/config.json, which the CLI reads too", () => {
    expect(valuesOf(dropIn, 'Service', 'ExecStart')).toEqual([]);
    expect(single(system, 'Service', 'ExecStart')).toBe(
      '/usr/bin/tokenbridge serve --config /etc/tokenbridge/config.json',
    );
  });

  test('its environment puts the shipped kiosk example in kiosk mode with exclusive capture', () => {
    const env = Object.fromEntries(
      valuesOf(dropIn, 'Service', 'Environment').map((v) => v.split('=', 2) as [string, string]),
    );
    expect(env).toEqual({ TOKENBRIDGE_KIOSK: 'true', TOKENBRIDGE_EXCLUSIVE: 'true' });
    const config = loadConfig({ file: join(REPO, 'examples', 'kiosk.json'), env });
    expect(config.kiosk.enabled).toBe(true);
    expect(config.drivers.exclusive).toBe(true);
  });
});

describe('the fleet drop-in example', () => {
  const dropIn = parseUnit(readFileSync(join(SYSTEMD_DIR, FLEET_DROP_IN), 'utf8'));

  test('passes the database password as the credential store.passwordFile defaults to', () => {
    const credentials = valuesOf(dropIn, 'Service', 'LoadCredential');
    expect(credentials).toContain('tokenbridge.dbpass:/etc/tokenbridge/db.pass');
    const env = { CREDENTIALS_DIRECTORY: '/run/credentials/tokenbridge.service' };
    const config = loadConfig({
      env,
      fileExists: (p) => p === '/run/credentials/tokenbridge.service/tokenbridge.dbpass',
    });
    expect(config.store.passwordFile).toBe(
      '/run/credentials/tokenbridge.service/tokenbridge.dbpass',
    );
  });

  test("opens the unit's address filter to the database server only", () => {
    expect(valuesOf(dropIn, 'Service', 'IPAddressAllow')).toEqual(['192.0.2.10']);
    expect(valuesOf(dropIn, 'Service', 'IPAddressDeny')).toEqual([]);
  });
});

describe('systemd-analyze', () => {
  let dir: string;
  let runtimeDir: string;
  let binary: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokenbridge-units-'));
    runtimeDir = join(dir, 'runtime');
    mkdirSync(runtimeDir, { mode: 0o700 });
    // verify checks that ExecStart's program exists: point copies at a stand-in, never the shipped files.
    binary = join(dir, 'tokenbridge');
    writeFileSync(binary, '#!/bin/sh\nexit 0\n');
    chmodSync(binary, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Copies a shipped file into the temp dir with ExecStart's program swapped for the stand-in. */
  function stage(
    name: string,
    as: string = name,
    edit: (text: string) => string = (t) => t,
  ): string {
    const target = join(dir, as);
    mkdirSync(join(target, '..'), { recursive: true });
    const text = readFileSync(join(SYSTEMD_DIR, name), 'utf8').replaceAll(SHIPPED_BINARY, binary);
    writeFileSync(target, edit(text));
    return target;
  }

  function verify(path: string, mode: '--system' | '--user') {
    return systemdAnalyze(['verify', '--man=no', mode, path], {
      ...process.env,
      XDG_RUNTIME_DIR: runtimeDir,
    });
  }

  test('a machine without systemd-analyze fails the run with the install hint, never skips', () => {
    expect(() => systemdAnalyze(['--version'], { PATH: dir })).toThrow(
      'systemd-analyze not found: apt-get install systemd',
    );
  });

  test('verify passes the system unit with the kiosk drop-in, without a single warning', () => {
    const unit = stage(SYSTEM_UNIT);
    stage(KIOSK_DROP_IN, join('tokenbridge.service.d', 'kiosk.conf'));
    const result = verify(unit, '--system');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('verify passes the system unit with the kiosk and fleet drop-ins, without a single warning', () => {
    // A folder of its own: the security test below analyses the unit without the fleet drop-in.
    const unit = stage(SYSTEM_UNIT, join('fleet', SYSTEM_UNIT));
    stage(KIOSK_DROP_IN, join('fleet', 'tokenbridge.service.d', 'kiosk.conf'));
    stage(FLEET_DROP_IN, join('fleet', 'tokenbridge.service.d', 'fleet.conf'));
    const result = verify(unit, '--system');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('verify passes the user unit, without a single warning', () => {
    const result = verify(stage(USER_UNIT), '--user');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('verify would catch a mistake (a misspelt key is reported)', () => {
    const broken = stage(SYSTEM_UNIT, 'broken.service', (t) =>
      t.replace('ProtectHome=', 'ProtectHoem='),
    );
    expect(verify(broken, '--system').stderr).toMatch(/Unknown key 'ProtectHoem'/);
  });

  test('verify would catch a missing program', () => {
    const copy = stage(SYSTEM_UNIT, 'missing.service', (t) =>
      t.replaceAll(binary, join(dir, 'nope')),
    );
    const result = verify(copy, '--system');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/not executable/);
  });

  /** The overall exposure `systemd-analyze security` gives a staged copy of a unit. */
  function exposure(name: string, staged: string): string {
    const result = systemdAnalyze(['security', '--offline=yes', '--no-pager', staged], {
      ...process.env,
      XDG_RUNTIME_DIR: runtimeDir,
    });
    const escaped = name.replace(/\./g, '\\.');
    const match = new RegExp(`Overall exposure level for ${escaped}: (\\d+\\.\\d)`).exec(
      result.stdout,
    );
    expect(match).not.toBeNull();
    return match![1]!;
  }

  test('the user unit is hardened as far as a user manager allows, and the README states its score', () => {
    const score = exposure(USER_UNIT, stage(USER_UNIT));
    // Today 2.5 ("OK"); it was 6.2 ("MEDIUM") with seccomp and no_new_privs alone.
    expect(Number(score)).toBeLessThanOrEqual(3.0);
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(readme).toMatch(new RegExp(`user unit rates \\*\\*${score.replace('.', '\\.')}\\*\\*`));
  });

  test('the drop-in for systems without unprivileged user namespaces verifies, and gives the rest up', () => {
    const unit = stage(USER_UNIT, join('fallback', USER_UNIT));
    stage(USER_DROP_IN, join('fallback', 'tokenbridge-user.service.d', 'no-userns.conf'));
    const result = verify(unit, '--user');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(Number(exposure(USER_UNIT, unit))).toBeGreaterThan(5);
  });

  test('the security exposure of the system unit is low, and docs/deployment.md states it', () => {
    const result = systemdAnalyze(['security', '--offline=yes', '--no-pager', stage(SYSTEM_UNIT)]);
    const match = /Overall exposure level for tokenbridge\.service: (\d+\.\d)/.exec(result.stdout);
    expect(match).not.toBeNull();
    const exposure = Number(match![1]);
    expect(exposure).toBeLessThanOrEqual(2.0);
    const doc = readFileSync(join(REPO, 'docs', 'deployment.md'), 'utf8');
    expect(doc).toContain(`exposure level ${match![1]}`);
  });
});
