import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTokenbridge } from '../../helpers/cli';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokenbridge-doctor-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A configuration with the virtual driver only, so no native library is loaded by the test. */
async function configFile(extra: Record<string, unknown> = {}): Promise<string> {
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      server: { port: await freePort() },
      drivers: { enabled: ['virtual'] },
      store: { path: join(dir, 'state', 'tokens.sqlite'), keyFile: join(dir, 'state', 'seed.key') },
      ...extra,
    }),
  );
  return file;
}

interface JsonReport {
  ok: boolean;
  checks: { id: string; status: string; title: string; detail: string; fix?: string }[];
}

describe('tokenbridge doctor (this machine)', () => {
  test('with the hardware drivers it looks at token access too', async () => {
    const res = await runTokenbridge([
      'doctor',
      '--json',
      '--config',
      await configFile({ drivers: { enabled: ['usb'] } }),
    ]);
    const report = JSON.parse(res.stdout) as JsonReport;
    const ids = report.checks.map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['udev-rule', 'driver:usb']));
    // A machine without a USB bus hears it once, from the usb driver or from the bus check.
    const noBus = report.checks.filter((c) => /no USB bus/i.test(c.detail));
    expect(noBus.length).toBeLessThanOrEqual(1);
    expect(res.code).toBe(report.ok ? 0 : 1);
  });

  test('--json: every check has a status, and the exit code follows the failures', async () => {
    const res = await runTokenbridge(['doctor', '--json', '--config', await configFile()], {
      env: { TOKENBRIDGE_CONFIG: '' },
    });
    const report = JSON.parse(res.stdout) as JsonReport;
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(byId.config).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/config\.json \(--config\): valid$/),
    });
    expect(byId.port?.status).toBe('ok');
    expect(byId['store-file']).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/created on first start/),
    });
    // Only the virtual driver: token access (udev, hidraw, USB bus) is not checked.
    expect(byId['udev-rule']).toBeUndefined();
    for (const c of report.checks) expect(['ok', 'warn', 'fail']).toContain(c.status);
    expect(report.ok).toBe(!report.checks.some((c) => c.status === 'fail'));
    expect(res.code).toBe(report.ok ? 0 : 1);
    expect(res.stderr).toBe('');
  });

  test('text output: one line per check and a summary', async () => {
    const res = await runTokenbridge(['doctor', '--config', await configFile()]);
    expect(res.stdout).toMatch(/^ok {4}configuration: .*config\.json \(--config\): valid$/m);
    expect(res.stdout).toMatch(/^ok {4}port 127\.0\.0\.1:\d+: free$/m);
    expect(res.stdout).toMatch(/\d+ ok, \d+ warning\(s\), \d+ failure\(s\)\n$/);
  });

  test('a broken configuration is a failed check, and the rest still runs on the defaults', async () => {
    const res = await runTokenbridge([
      'doctor',
      '--json',
      '--config',
      await configFile({ server: { port: 'abc' } }),
    ]);
    const report = JSON.parse(res.stdout) as JsonReport;
    expect(report.checks[0]).toMatchObject({
      id: 'config',
      status: 'fail',
      detail: expect.stringMatching(/server\.port: expected an integer \S+, got "abc"/),
    });
    expect(report.checks.length).toBeGreaterThan(3);
    expect(report.ok).toBe(false);
    expect(res.code).toBe(1);
  });

  test('--help describes it; an unknown flag exits 2 with one line', async () => {
    const help = await runTokenbridge(['doctor', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--json');
    const bad = await runTokenbridge(['doctor', '--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
