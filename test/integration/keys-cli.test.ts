import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core';
import { SqliteTokenStore } from '../../src/tokens';
import { parsePskc } from '../../src/tokens/import';
import { runTokenbridge } from '../helpers/cli';
import { startTestDaemon } from '../helpers/daemon';

const SERIAL = '6200001';
const SPEC = `blank:serial=${SERIAL},pacing=0`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The same machine for every command of a test: its registry, key file and virtual key's state. */
function machine(): string[] {
  return [
    '--driver',
    'virtual',
    '--virtual',
    SPEC,
    '--store',
    join(dir, 'tokens.sqlite'),
    '--key-file',
    join(dir, 'seed.key'),
    '--virtual-state-dir',
    join(dir, 'virtual'),
    // Nothing listens on port 1: no daemon holds the keys.
    '--port',
    '1',
  ];
}

const keys = (args: string[], stdin?: string) =>
  runTokenbridge(['keys', ...args, ...machine()], stdin === undefined ? {} : { stdin });

async function loadSeed(serial: string): Promise<string> {
  const store = SqliteTokenStore.open({
    path: join(dir, 'tokens.sqlite'),
    keyFile: join(dir, 'seed.key'),
    maxTokensPerUser: 5,
    logger: silentLogger(),
  });
  try {
    const loaded = await store.load(serial);
    return Buffer.from(loaded!.secret.secret).toString('hex');
  } finally {
    store.closeSync();
  }
}

describe('tokenbridge keys', () => {
  test('program hotp: a blank key is set up in slot 2, registered, and the seed is never shown', async () => {
    const before = await keys(['info', '--json']);
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({
      serial: SERIAL,
      programmingSequence: 0,
      slots: [
        { slot: 1, configured: false },
        { slot: 2, configured: false },
      ],
      registry: null,
    });

    const programmed = await keys(['program', 'hotp'], 'press\n');
    expect(programmed.stderr).toContain('Touch the key now (slot 2: a long touch on a real key)');
    expect(programmed.code).toBe(0);
    expect(programmed.stdout).toBe(
      `Slot 2 of key ${SERIAL} now holds a new OATH-HOTP credential; its first OTP was verified and token ${SERIAL} is registered.\n`,
    );
    const seed = await loadSeed(SERIAL);
    expect(seed).toHaveLength(40);
    expect(programmed.stdout + programmed.stderr).not.toContain(seed);

    const after = JSON.parse((await keys(['info', '--json'])).stdout) as Record<string, unknown>;
    expect(after).toMatchObject({
      programmingSequence: 1,
      slots: [
        { slot: 1, configured: false },
        { slot: 2, configured: true, touchTriggered: true },
      ],
      registry: { kind: 'hotp', user: null, digits: 6 },
    });
    const text = await keys(['info']);
    expect(text.stdout).toContain('Slot 2: configured, types on a touch');
    expect(text.stdout).toContain(`Registry: token ${SERIAL}, hotp, not paired`);
  });

  test('the key keeps its new seed across a daemon restart: the daemon pairs it with its next OTP', async () => {
    expect((await keys(['program', 'hotp'], 'press\n')).code).toBe(0);
    const td = await startTestDaemon({
      config: {
        store: { path: join(dir, 'tokens.sqlite'), keyFile: join(dir, 'seed.key') },
        drivers: { virtual: [SPEC], virtualStateDir: join(dir, 'virtual') },
      },
    });
    try {
      const [token] = td.daemon.virtualTokens;
      const client = await td.connect();
      const { pairingId } = (await client.request('pairing.start', { user: 'alice' })) as {
        pairingId: string;
      };
      await client.request('pairing.chooseHardwareToken', { pairingId });
      await client.request('pairing.serial', { pairingId, serial: SERIAL });
      const passcode = await token!.press(2);
      await expect(
        client.request('pairing.verify', { pairingId, passcode }),
      ).resolves.toMatchObject({
        result: 'accepted',
      });
    } finally {
      await td.stop();
    }
  });

  test('a configured slot is refused without --force, saying what is there; --force replaces it', async () => {
    expect((await keys(['program', 'hotp'], 'press\n')).code).toBe(0);
    const refused = await keys(['program', 'hotp']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `tokenbridge: refused: slot 2 of key ${SERIAL} holds a configuration that types on a touch (an OTP or a static password): --force overwrites it, and what it holds cannot be restored\n`,
    );
    const first = await loadSeed(SERIAL);
    const forced = await keys(['program', 'hotp', '--force', '--digits', '8', '--json'], 'press\n');
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({
      result: 'enrolled',
      serial: SERIAL,
      slot: 2,
      kind: 'hotp',
      registered: true,
      record: { kind: 'hotp', digits: 8 },
    });
    expect(await loadSeed(SERIAL)).not.toBe(first);
  });

  test('--export writes the seed as PSKC encrypted with the export key, 0600, never over a file', async () => {
    const keyFile = join(dir, 'export.key');
    writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n');
    const out = join(dir, 'seed.pskc');
    const result = await keys(
      ['program', 'hotp', '--export', out, '--export-key-file', keyFile],
      'press\n',
    );
    expect(result.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const [token] = [
      ...parsePskc(readFileSync(out, 'utf8'), {
        key: Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'),
      }),
    ];
    expect(Buffer.from(token!.secret).toString('hex')).toBe(await loadSeed(SERIAL));
    expect(token).toMatchObject({ serial: SERIAL, counter: 1 });

    const again = await keys([
      'program',
      'hotp',
      '--force',
      '--export',
      out,
      '--export-key-file',
      keyFile,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `tokenbridge: --export: ${out} exists; choose a new file (it is never overwritten)\n`,
    );
    const clear = await keys(['program', 'hotp', '--force', '--export', join(dir, 'other.pskc')]);
    expect(clear.stderr).toMatch(/a seed is never written in the clear/);
  });

  test('delete and swap: confirmed by the key, audited; a protected slot needs its access code', async () => {
    const codeFile = join(dir, 'access.code');
    writeFileSync(codeFile, 'a1a2a3a4a5a6\n');
    expect((await keys(['program', 'hotp', '--access-code', codeFile], 'press\n')).code).toBe(0);
    const swapped = await keys(['swap']);
    expect(swapped.code).toBe(1);
    expect(swapped.stderr).toMatch(/^tokenbridge: refused: .*\(the key is unchanged\)\n$/);
    expect((await keys(['swap', '--access-code', codeFile])).stdout).toBe(
      `Done: the slots of key ${SERIAL} (YubiKey 4/5) are swapped.\n`,
    );
    const wrong = await keys(['delete', '--slot', '1']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'slot 1 is protected by an access code, and the one given does not match',
    );
    const deleted = await keys(['delete', '--slot', '1', '--access-code', codeFile]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`token ${SERIAL} (hotp) is still in the registry`);
    expect(JSON.parse((await keys(['info', '--json'])).stdout)).toMatchObject({
      programmingSequence: 0,
      slots: [{ configured: false }, { configured: false }],
    });
  });

  test('bad input: a malformed access code file is refused without echoing it, a bad kind exits 2', async () => {
    const codeFile = join(dir, 'access.code');
    writeFileSync(codeFile, 'secret-words');
    const bad = await keys(['program', 'hotp', '--access-code', codeFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      `tokenbridge: --access-code: ${codeFile} must hold 6 bytes as 12 hex digits, it holds 12 characters\n`,
    );
    expect((await keys(['program', 'totp'])).code).toBe(2);
    expect((await keys(['program', 'yubiotp', '--token-id'])).stderr).toBe(
      'tokenbridge: --token-id: only for hotp\n',
    );
  });

  test('with a daemon running, the command says so and leaves the keys to it', async () => {
    const td = await startTestDaemon();
    try {
      const result = await runTokenbridge([
        'keys',
        'info',
        ...machine(),
        '--port',
        String(td.daemon.port),
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `tokenbridge: a tokenbridge daemon is running at ${td.daemon.url} and holds the keys: set the key up from its page (Set up this token), or stop the daemon first\n`,
      );
    } finally {
      await td.stop();
    }
  });
});
