import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { runCli } from '../../src/cli/program';
import { withOverrides, defaultConfig } from '../../src/config';
import { virtualTokenFor } from '../../src/runtime/virtual-tokens';
import { isolatedEnv } from '../helpers/cli';

/** Debian's interpreter, where python3-yubikey-manager installs yubikit (scripts/setup.sh). */
const PYTHON = '/usr/bin/python3';
const CLIENT = join(__dirname, 'virtual_key_client.py');
const SERIAL = 7050602;

interface ClientEvent {
  event: 'listening' | 'press' | 'touch' | 'check' | 'done';
  slot?: number;
  name?: string;
  ok?: boolean;
  detail?: unknown;
  failed?: number;
}

/** Every exchange the client makes, in order: a check missing from the run fails the test. */
const EXPECTED_CHECKS = [
  'get_serial',
  'version',
  'get_config_state: a blank key',
  'management read_device_info: serial',
  'management read_device_info: version',
  'put_configuration(2, HOTP): slot 2 configured and touch-triggered',
  'slot 2 types HOTP counter 0',
  'slot 1 types a Yubico OTP: public id, then a ticket with the private id and a good CRC',
  'swap_slots: slot 1 now types HOTP counter 1',
  'update_configuration(1): the slot keeps its seed and counter',
  'HMAC-SHA1 slot 2: configured, not touch-triggered',
  "calculate_hmac_sha1(b'tokenbridge')",
  "calculate_hmac_sha1(b'ends-in-zero\\x00')",
  'calculate_hmac_sha1 of 64 bytes under HMAC_LT64 hashes them less their trailing run',
  'calculate_hmac_sha1 with touch: the key waited for it, then answered',
  'put_configuration without the access code is rejected',
  'delete_slot with a wrong access code is rejected',
  'delete_slot both: the key is blank again (sequence back to 0, as yubikit expects)',
  '8-digit HOTP in slot 2 types counter 0',
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-yubikit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("Yubico's yubikit (Debian python3-yubikey-manager) drives the virtual key as a YubiKey", () => {
  test('serial, status, device info, program, type, swap, update, challenge, touch, access codes, delete', async () => {
    expect(existsSync(PYTHON)).toBe(true);
    const socketPath = join(dir, 'bus.sock');
    const stateDir = join(dir, 'virtual');
    const client = spawn(PYTHON, [CLIENT, socketPath, String(SERIAL)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let clientErrors = '';
    client.stderr.on('data', (d: Buffer) => (clientErrors += d.toString()));
    const exited = new Promise<number | null>((resolve) => client.on('exit', resolve));
    const events = createInterface({ input: client.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<ClientEvent> => {
      const line = await events.next();
      if (line.done) throw new Error(`yubikit client ended early: ${clientErrors}`);
      return JSON.parse(line.value) as ClientEvent;
    };
    expect((await next()).event).toBe('listening');

    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let typed = '';
    stdout.on('data', (d: Buffer) => (typed += d.toString()));
    const emulating = runCli(
      ['emulate', `blank:serial=${SERIAL},pacing=0`, '--socket', socketPath, '--json', '--reveal'],
      {
        stdin,
        stdout,
        stderr: new PassThrough(),
        env: isolatedEnv({ TOKENBRIDGE_VIRTUAL_STATE_DIR: stateDir }),
      },
    );

    const checks: ClientEvent[] = [];
    let touches = 0;
    for (;;) {
      const event = await next();
      if (event.event === 'press') stdin.write(`press ${event.slot}\n`);
      else if (event.event === 'touch') {
        touches += 1;
        stdin.write('press 2\n');
      } else if (event.event === 'check') checks.push(event);
      else if (event.event === 'done') break;
    }
    stdin.end();
    expect(await emulating).toBe(0);
    expect(await exited).toBe(0);

    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(EXPECTED_CHECKS);
    expect(touches).toBe(1);
    // What the emulator says it typed is what yubikit's side decoded from the keyboard reports.
    const emulated = typed
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; otp?: string })
      .filter((e) => e.event === 'typed' && e.otp !== '')
      .map((e) => e.otp);
    const decoded = checks.filter((c) => /types/.test(c.name!)).map((c) => c.detail);
    expect(emulated).toEqual(expect.arrayContaining(decoded));

    // The key keeps what yubikit wrote: made again from the same spec and state folder (a
    // restarted emulator), slot 2 types the next 8-digit code of the RFC 4226 seed.
    const config = withOverrides(defaultConfig({}), { drivers: { virtualStateDir: stateDir } });
    const restarted = virtualTokenFor(`blank:serial=${SERIAL},pacing=0`, config);
    await expect(restarted.press(2)).resolves.toBe('94287082');
  }, 120_000);
});
