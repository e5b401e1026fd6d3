import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateHotp } from '../../src/otp';
import { ApiClient } from '../helpers/api-client';
import { runTokenbridge } from '../helpers/cli';
import { readUnit, userServiceStart, type UserManagerVersion } from '../unit/deploy/systemd-units';
import { RFC_SEED, tempDir } from '../unit/tokens/registry-fixtures';

const ROOT = join(__dirname, '..', '..');
const READY = /tokenbridge is ready: open (http:\/\/127\.0\.0\.1:\d+\/)/;
const SERIAL = '7100001';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

/**
 * The shipped user unit's ExecStart, run as its manager would run it (its environment, its
 * specifiers), from the TypeScript sources; `extra` flags keep the test off port 7343 and off real
 * hardware (flags beat the file, so the file still decides the registry). Resolves once ready.
 */
async function startUserUnit(version: UserManagerVersion, home: string, runtimeDir: string) {
  const { argv, env } = userServiceStart(
    readUnit('tokenbridge-user.service'),
    version,
    home,
    runtimeDir,
  );
  expect(argv[0]).toBe('/usr/bin/tokenbridge');
  const child = spawn(
    process.execPath,
    [
      '-r',
      join(ROOT, 'test', 'helpers', 'swc-register.cjs'),
      join(ROOT, 'src', 'cli', 'main.ts'),
      ...argv.slice(1),
      '--port',
      '0',
      '--driver',
      'virtual',
    ],
    { env: { ...env, PATH: process.env.PATH ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = READY.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}:\n${out}`)));
  });
  return {
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}ws`,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe("the README's desktop walk: the CLI imports into the registry the user service reads", () => {
  test.each([252, 254] as const)(
    'under systemd %i',
    async (version) => {
      const home = join(dir, 'home');
      const runtimeDir = join(dir, 'run');
      mkdirSync(join(home, '.config', 'tokenbridge'), { recursive: true });
      mkdirSync(runtimeDir, { mode: 0o700 });
      // cp examples/desktop.json ~/.config/tokenbridge/config.json
      copyFileSync(
        join(ROOT, 'examples', 'desktop.json'),
        join(home, '.config', 'tokenbridge', 'config.json'),
      );
      // tokenbridge tokens import seeds.csv --type hotp, in the person's shell
      const shell = { HOME: home, XDG_RUNTIME_DIR: runtimeDir };
      const seeds = join(dir, 'seeds.csv');
      writeFileSync(seeds, `${SERIAL},${Buffer.from(RFC_SEED).toString('hex')}\n`);
      const imported = await runTokenbridge(['tokens', 'import', seeds, '--type', 'hotp'], {
        env: shell,
      });
      expect(imported).toMatchObject({ code: 0, stderr: '' });

      // systemctl --user enable --now tokenbridge-user.service; open the page and pair the token.
      const service = await startUserUnit(version, home, runtimeDir);
      try {
        const client = await ApiClient.open(service.wsUrl);
        const { pairingId } = await client.request('pairing.start', { user: 'alice' });
        await client.request('pairing.chooseHardwareToken', { pairingId });
        expect(await client.request('pairing.serial', { pairingId, serial: SERIAL })).toMatchObject(
          {
            ok: true,
            step: 'verification',
          },
        );
        const passcode = generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, 0);
        expect(await client.request('pairing.verify', { pairingId, passcode })).toMatchObject({
          ok: true,
          result: 'accepted',
        });
        await client.close();
        // tokenbridge devices, in the person's shell, asks the service: the same control socket.
        const devices = await runTokenbridge(['devices', '--json'], { env: shell });
        expect(JSON.parse(devices.stdout)).toMatchObject({ daemon: { url: service.url } });
      } finally {
        expect(await service.stop()).toBe(0);
      }
      // ...and the shell sees the pairing the service made.
      const listed = await runTokenbridge(['tokens', 'show', SERIAL, '--json'], { env: shell });
      expect(JSON.parse(listed.stdout)).toMatchObject({
        serial: SERIAL,
        user: 'alice',
        counter: 1,
      });
    },
    30_000,
  );
});
