import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Command } from 'commander';
import {
  FileTokenStateStore,
  findSlot,
  parseVirtualSpec,
  stateFileFor,
  VirtualToken,
} from '../../drivers/virtual';
import { buildProgram } from '../../src/cli/program';
import { modhexEncode } from '../../src/core';
import { generateTotp } from '../../src/otp';
import { runTokenbridge } from '../helpers/cli';
import { YUBICO_OTP_VECTORS } from '../vectors/yubico-otp';
import { hotpToken, importTokens, openStore, tempDir } from '../unit/tokens/registry-fixtures';

const RFC_HEX = Buffer.from('12345678901234567890', 'ascii').toString('hex');

let dir: string;
let cleanup: () => void;
let storeFlags: string[];
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  storeFlags = ['--store', join(dir, 'store.sqlite'), '--key-file', join(dir, 'keys', 'seed.key')];
});
afterEach(() => cleanup());

/** Every command of the CLI, with its full name. */
function commands(): Array<[string, Command]> {
  const io = {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: {},
  };
  const found: Array<[string, Command]> = [];
  const walk = (cmd: Command, prefix: string) => {
    for (const sub of cmd.commands) {
      const name = `${prefix}${sub.name()}`;
      found.push([name, sub]);
      walk(sub, `${name} `);
    }
  };
  walk(buildProgram(io), '');
  return found;
}

describe('one error style: tokenbridge: ..., commander’s own errors included', () => {
  test.each([
    [['nope']],
    [['tokens', 'list', '--bogus']],
    [['tokens', 'show']],
    [['otp', 'hotp']],
    [['otp', 'hotp', '--secret-hex', RFC_HEX, '--counter', '1', 'extra']],
    [['devices', '--driver']],
    [['emulate']],
  ])('%j exits 2 with one line', async (args) => {
    const r = await runTokenbridge(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^tokenbridge: [^\n]+\n$/);
    expect(r.stderr).not.toMatch(/error:/);
  });
});

describe('--help and --json of every command', () => {
  test.each(commands())('%s --help never shows a default twice', (_name, cmd) => {
    expect(cmd.helpInformation()).not.toMatch(/\(default[^)]*\)\s*\(default: /);
  });

  test('every command that prints data takes --json (serve prints its URL and logs)', () => {
    const leaves = commands().filter(([name, cmd]) => cmd.commands.length === 0 && name !== 'help');
    const without = leaves
      .filter(([, cmd]) => !cmd.options.some((o) => o.long === '--json'))
      .map(([name]) => name);
    expect(without).toEqual(['serve']);
  });
});

describe('otp', () => {
  test('yubico decode takes --json; without it the fields are lines', async () => {
    const v = YUBICO_OTP_VECTORS[0]!;
    const json = await runTokenbridge([
      'otp',
      'yubico',
      'decode',
      v.otp,
      '--aes-key',
      v.aesKey,
      '--json',
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, publicId: v.publicId });
    const text = await runTokenbridge(['otp', 'yubico', 'decode', v.otp, '--aes-key', v.aesKey]);
    expect(text.stdout).toMatch(new RegExp(`^publicId: +${v.publicId}$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^privateId: +${v.privateId}$`, 'm'));
  });

  test('totp takes --time now, and defaults to now', async () => {
    const before = Math.floor(Date.now() / 1000);
    const results = [
      await runTokenbridge(['otp', 'totp', '--secret-hex', RFC_HEX, '--json']),
      await runTokenbridge(['otp', 'totp', '--secret-hex', RFC_HEX, '--time', 'now', '--json']),
    ];
    const after = Math.floor(Date.now() / 1000);
    const secret = new Uint8Array(Buffer.from(RFC_HEX, 'hex'));
    for (const r of results) {
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { time: number; otp: string };
      expect(out.time).toBeGreaterThanOrEqual(before);
      expect(out.time).toBeLessThanOrEqual(after);
      const params = {
        secret,
        algorithm: 'sha1' as const,
        digits: 6 as const,
        period: 30 as const,
      };
      expect(out.otp).toBe(generateTotp(params, out.time * 1000));
    }
    const bad = await runTokenbridge(['otp', 'totp', '--secret-hex', RFC_HEX, '--time', 'soon']);
    expect(bad).toMatchObject({
      code: 2,
      stderr: 'tokenbridge: --time: expected an integer, got "soon"\n',
    });
  });

  test("virtual shows a virtual token's secrets and the code of its next press, for QA", async () => {
    const spec = 'yubikey:serial=123456,counter=3';
    const stateDir = ['--virtual-state-dir', join(dir, 'virtual')];
    const json = await runTokenbridge(['otp', 'virtual', spec, '--json', ...stateDir]);
    expect(json.code).toBe(0);
    const parsed = parseVirtualSpec(spec);
    const hotp = findSlot(parsed, 'hotp')!;
    const yubico = findSlot(parsed, 'yubico')!;
    expect(JSON.parse(json.stdout)).toEqual({
      serial: '123456',
      kind: 'yubikey',
      model: 'yk5',
      state: join(dir, 'virtual', '123456.json'),
      slots: [
        {
          slot: 1,
          type: 'yubico',
          publicId: modhexEncode(yubico.publicId),
          privateIdHex: Buffer.from(yubico.privateId).toString('hex'),
          aesKeyHex: Buffer.from(yubico.aesKey).toString('hex'),
          usage: 1,
        },
        {
          slot: 2,
          type: 'hotp',
          secretHex: Buffer.from(hotp.secret).toString('hex'),
          digits: 6,
          counter: 3,
          nextOtp: expect.stringMatching(/^\d{6}$/),
          tokenId: false,
        },
      ],
    });
    const text = await runTokenbridge(['otp', 'virtual', 'hotp:secret=' + RFC_HEX, ...stateDir]);
    expect(text.stdout).toMatch(/^ {2}counter +0 \(the next press types 755224\)$/m);
    expect(text.stdout).toMatch(/^slot 2: not programmed$/m);
  });

  test("virtual reads the counters the token's last run left in its state file; --fresh the spec", async () => {
    const spec = `hotp:secret=${RFC_HEX},pacing=0`;
    const stateDir = join(dir, 'virtual');
    const token = new VirtualToken(parseVirtualSpec(spec), {
      stateStore: new FileTokenStateStore(stateFileFor(stateDir, 7050602)),
    });
    expect([await token.press(), await token.press()]).toEqual(['755224', '287082']);
    const shown = (...flags: string[]) =>
      runTokenbridge(['otp', 'virtual', spec, '--virtual-state-dir', stateDir, ...flags]);
    const text = (await shown()).stdout;
    expect(text).toMatch(/^ {2}counter +2 \(the next press types 359152\)$/m);
    expect(text).toContain(`state ${join(stateDir, '7050602.json')}\n`);
    expect((await shown('--fresh')).stdout).toMatch(
      /^ {2}counter +0 \(the next press types 755224\)$/m,
    );
  });
});

describe('tokens', () => {
  const list = async (...args: string[]) =>
    (
      JSON.parse(
        (await runTokenbridge(['tokens', 'list', '--json', ...args, ...storeFlags])).stdout,
      ) as Array<{
        serial: string;
      }>
    ).map((r) => r.serial);

  test('list sorts serials as a person expects, and pages by --after in that order', async () => {
    const store = openStore(dir);
    await importTokens(
      store,
      ['100001', '4242', 't10', '99', 't2', '4243', 'a', '1000000'].map((s) => hotpToken(s)),
    );
    await store.pair('t10', 'alice', { source: 'test' });
    await store.pair('4243', 'alice', { source: 'test' });
    await store.pair('99', 'alice', { source: 'test' });
    store.closeSync();
    // Shorter first, then as text: numbers in numeric order, t2 before t10.
    expect(await list()).toEqual(['a', '99', 't2', 't10', '4242', '4243', '100001', '1000000']);
    expect(await list('--limit', '3')).toEqual(['a', '99', 't2']);
    expect(await list('--after', 't2', '--limit', '3')).toEqual(['t10', '4242', '4243']);
    expect(await list('--after', '4242')).toEqual(['4243', '100001', '1000000']);
    expect(await list('--user', 'alice')).toEqual(['99', 't10', '4243']);
    expect(await list('--user', 'alice', '--after', '99')).toEqual(['t10', '4243']);
  });

  test('one token is "1 token", one seed "1 seed"', async () => {
    const file = join(dir, 'one.csv');
    writeFileSync(file, `5001,${RFC_HEX}\n`);
    const dry = await runTokenbridge(['tokens', 'import', file, '--dry-run', ...storeFlags]);
    expect(dry.stdout).toBe(
      'dry run: 1 token in one.csv (csv) would import: 1 added, 0 replaced; nothing was changed\n',
    );
    const real = await runTokenbridge(['tokens', 'import', file, ...storeFlags]);
    expect(real.stdout).toBe('imported 1 token from one.csv (csv): 1 added, 0 replaced\n');
    const rekey = await runTokenbridge(['tokens', 'rekey', ...storeFlags]);
    expect(rekey.stdout).toMatch(/^moved 1 seed from key /);
  });

  test.each([['--dry-run'], []])(
    'import %j of a file that repeats a serial calls it a repeat, not "already in the registry"',
    async (...flags) => {
      const file = join(dir, 'twice.csv');
      writeFileSync(file, `5001,${RFC_HEX}\n5002,${RFC_HEX}\n5001,${RFC_HEX}\n`);
      const r = await runTokenbridge(['tokens', 'import', file, ...flags, ...storeFlags]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'tokenbridge: line 3: serial 5001 appears twice in this import (first at line 1; use --replace to keep the last one)\n',
      );
      expect(await list()).toEqual([]);
    },
  );
});
