import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { ConfigLayer } from '../../src/config';
import { createLogger, type Logger } from '../../src/core/logger';
import { generateHotp } from '../../src/otp';
import { Runtime } from '../../src/runtime';
import type { RegistryStore, TokenStore } from '../../src/tokens';
import { importFile } from '../../src/tokens/import';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { testConfig } from '../helpers/config';
import { HeldClock } from '../helpers/manual-clock';
import { startTestDaemon } from '../helpers/daemon';
import {
  hotpToken,
  RFC_SEED,
  tempDir,
  YUBICO_AES_KEY,
  YUBICO_PRIVATE_ID,
  yubicoToken,
} from '../unit/tokens/registry-fixtures';
import { RFC4226_SECRET_ASCII } from '../vectors/rfc4226';
import { open } from './server-harness';

/** Every line a pino logger at level trace writes, parsed, as the journal would receive it. */
class LogCapture {
  readonly raw: string[] = [];
  readonly logger: Logger;

  constructor() {
    const sink = new Writable({
      write: (chunk: Buffer | string, _enc, done) => {
        for (const line of String(chunk).split('\n')) if (line !== '') this.raw.push(line);
        done();
      },
    });
    this.logger = createLogger({ level: 'trace', destination: sink });
  }

  /** Lines without pino's own timestamp, whose digits could match a passcode by chance. */
  private scrubbed(): string[] {
    return this.raw.map((line) => line.replace(/"time":\d+,?/, ''));
  }

  modules(): Set<string> {
    return new Set(this.raw.map((l) => String((JSON.parse(l) as { module?: unknown }).module)));
  }

  /** Lines containing any of the needles, case-insensitively, for a readable failure. */
  leaks(needles: readonly string[]): string[] {
    const lower = needles.filter((n) => n.length >= 6).map((n) => n.toLowerCase());
    return this.scrubbed().filter((line) => lower.some((n) => line.toLowerCase().includes(n)));
  }
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** How a seed could show up in a log: hex either case, base32, base64, and as text if printable. */
function seedForms(seed: Uint8Array): string[] {
  const buf = Buffer.from(seed);
  const ascii = buf.toString('latin1');
  return [
    buf.toString('hex'),
    base32(seed),
    buf.toString('base64').replace(/=+$/, ''),
    ...(/^[\x20-\x7e]+$/.test(ascii) ? [ascii] : []),
  ];
}

const RFC_FORMS = seedForms(RFC_SEED);
const YUBICO_FORMS = [...seedForms(YUBICO_AES_KEY), ...seedForms(YUBICO_PRIVATE_ID)];
const CONTEXT = { source: 'test' };
const YUBICO_SERIAL = '5550003';
const YUBICO_PUBLIC_ID = 'vvccccnjfvbg';
/** An unpaired HOTP token (RFC seed) that the ws test pairs. */
const SPARE_SERIAL = '5550004';

/** The Yubico token of the ws test, in the registry like a vendor seed file would put it. */
async function addYubicoToken(s: TokenStore): Promise<void> {
  const session = await s.beginImport({ replace: false, dryRun: false, source: 'test' });
  await session.add(yubicoToken(YUBICO_SERIAL, YUBICO_PUBLIC_ID));
  await session.commit();
}

let capture: LogCapture;
let cleanups: (() => Promise<void> | void)[];
beforeEach(() => {
  capture = new LogCapture();
  cleanups = [];
});
afterEach(async () => {
  for (const step of cleanups.reverse()) await step();
});

/** Short windows and an early lockout, so a few codes reach every path. */
const CONFIG: ConfigLayer = {
  lockout: { maxFailures: 2, baseMs: 60_000, maxMs: 600_000, multiplier: 2 },
  otp: { hotpWindow: 3, totpWindow: 1, hotpResyncWindow: 100, totpResyncSteps: 10 },
};

/** The parts the composition root builds, logging into the capture, over a temp registry. */
function parts(clock?: HeldClock, drivers: VirtualDriver[] = []): Runtime {
  const { dir, cleanup } = tempDir();
  const runtime = new Runtime({
    config: testConfig(dir, CONFIG),
    logger: capture.logger,
    env: {},
    drivers,
    ...(clock ? { clock } : {}),
  });
  cleanups.push(cleanup, () => runtime.close());
  return runtime;
}

function store(): Promise<RegistryStore> {
  return parts().store();
}

test('the seed forms the scanner looks for are the right ones (guards the guard)', () => {
  expect(RFC_FORMS).toEqual(
    expect.arrayContaining([
      '3132333435363738393031323334353637383930',
      'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      RFC4226_SECRET_ASCII,
    ]),
  );
  const probe = new LogCapture();
  probe.logger.child({ module: 'leaky' }).trace({ seed: RFC_FORMS[1] }, 'oops');
  expect(probe.leaks(RFC_FORMS)).toHaveLength(1);
});

describe('no seed and no whole OTP in any log line, at trace level', () => {
  test('the verifier: accept, reject, replay, resync, lockout', async () => {
    const rig = parts(new HeldClock());
    const s = await rig.store();
    const session = await s.beginImport({ replace: false, dryRun: false, source: 'test' });
    await session.add(hotpToken('9100001'));
    await session.commit();
    const v = await rig.verifier();
    const code = (counter: number) =>
      generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, counter);
    const used = [code(0), code(40), code(41), '000000', '111111', '222222'];

    expect((await v.verify('9100001', code(0), CONTEXT)).status).toBe('accepted');
    expect((await v.verify('9100001', code(0), CONTEXT)).status).not.toBe('accepted');
    expect((await v.verify('9100001', code(40), CONTEXT)).status).not.toBe('accepted');
    await v.resync('9100001', code(40), code(41), CONTEXT);
    for (const wrong of ['000000', '111111', '222222']) await v.verify('9100001', wrong, CONTEXT);

    expect(capture.raw.length).toBeGreaterThan(0);
    expect(capture.leaks([...RFC_FORMS, ...used])).toEqual([]);
    expect(capture.modules()).toContain('token-verifier');
  });

  test('the importer: a Yubico seed file, and files that fail on lines with seeds (logs and error messages)', async () => {
    const s = await store();
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const good = join(__dirname, '../fixtures/import/yubico-format.csv');
    const result = await importFile(s, good, { replace: false, dryRun: false });
    expect(result.tokens).toBeGreaterThan(0);
    const bad = join(dir, 'seeds.csv');
    writeFileSync(
      bad,
      `9200001,${Buffer.from(RFC_SEED).toString('hex')},0\n9200002,${Buffer.from(RFC_SEED).toString('hex')},notacounter\n`,
    );
    const failure = await importFile(s, bad, { replace: false, dryRun: false }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );

    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).toMatch(/line 2/);
    const malformed = join(dir, 'malformed.csv');
    writeFileSync(malformed, `9200003,${Buffer.from(RFC_SEED).toString('hex')}zz,0\n`);
    const hexError = await importFile(s, malformed, { replace: false, dryRun: false }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(hexError?.message).toMatch(/line 1: seed/);
    const needles = [...RFC_FORMS, ...YUBICO_FORMS];
    for (const message of [failure!.message, hexError!.message])
      expect(needles.filter((n) => message.toLowerCase().includes(n.toLowerCase()))).toEqual([]);
    // Not even a recognisable piece of the seed's hex.
    expect(hexError!.message).not.toMatch(/313233343536/);
    expect(capture.leaks(needles)).toEqual([]);
  });

  test('a virtual token press through the device manager, sign-ons and a two-code pairing over a real ws client', async () => {
    const clock = new HeldClock();
    const serial = '5550001';
    const yubico = new VirtualToken(
      parseVirtualSpec(
        `yubico:serial=${YUBICO_SERIAL},public-id=${YUBICO_PUBLIC_ID},aes-key=${Buffer.from(YUBICO_AES_KEY).toString('hex')},private-id=${Buffer.from(YUBICO_PRIVATE_ID).toString('hex')},pacing=0`,
      ),
      { logger: capture.logger },
    );
    const token = new VirtualToken(
      parseVirtualSpec(
        `hotp:serial=${serial},secret=${Buffer.from(RFC_SEED).toString('hex')},pacing=0`,
      ),
      { logger: capture.logger },
    );
    const test = await startTestDaemon({
      clock,
      logger: capture.logger,
      config: CONFIG,
      tokens: [yubico, token],
    });
    cleanups.push(() => test.stop());
    const s = test.daemon.store;
    const session = await s.beginImport({ replace: false, dryRun: false, source: 'test' });
    await session.add(hotpToken(serial));
    await session.commit();
    await addYubicoToken(s);
    const spare = await s.beginImport({ replace: false, dryRun: false, source: 'test' });
    await spare.add(hotpToken(SPARE_SERIAL));
    await spare.commit();
    await s.pair(serial, 'alice', CONTEXT);
    await s.pair(YUBICO_SERIAL, 'alice', CONTEXT);
    const port = test.daemon.port;
    const client = await open(port);
    expect(await client.next()).toMatchObject({ type: 'hello' });

    await token.press();
    let event = await client.next();
    while (event.type !== 'otp') event = await client.next();
    const otp = String(event.otp);
    expect(otp).toBe('755224'); // RFC 4226 counter 0: the page gets it, the log must not

    const accepted = await client.request({
      id: 1,
      type: 'signon.verify',
      user: 'alice',
      passcode: otp,
    });
    expect(accepted).toMatchObject({ ok: true, result: 'accepted' });
    const wrong = await client.request({
      id: 2,
      type: 'signon.verify',
      user: 'alice',
      passcode: '90817263',
    });
    expect(wrong).toMatchObject({ ok: true, result: 'rejected' });
    const sessionToken = String(accepted.sessionToken);

    await yubico.press();
    event = await client.next();
    while (event.type !== 'otp') event = await client.next();
    const yubicoOtp = String(event.otp);
    expect(yubicoOtp).toMatch(new RegExp(`^${YUBICO_PUBLIC_ID}[cbdefghijklnrtuv]{32}$`));
    const tap = await client.request({
      id: 3,
      type: 'signon.verify',
      user: 'alice',
      passcode: yubicoOtp,
    });
    expect(tap).toMatchObject({ ok: true, result: 'accepted' });

    // Pairing a second HOTP token pressed ahead of its window: the first code waits in memory.
    const ask = async (msg: Record<string, unknown>) => {
      client.send(msg);
      let reply = await client.next();
      while (reply.id !== msg.id) reply = await client.next();
      return reply;
    };
    const hotp = (counter: number) =>
      generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, counter);
    const started = await ask({ id: 10, type: 'pairing.start', user: 'bob' });
    const pairingId = String(started.pairingId);
    await ask({ id: 11, type: 'pairing.chooseHardwareToken', pairingId });
    await ask({ id: 12, type: 'pairing.serial', pairingId, serial: SPARE_SERIAL });
    const first = await ask({ id: 13, type: 'pairing.verify', pairingId, passcode: hotp(20) });
    expect(first).toMatchObject({ ok: true, result: 'needs-next-passcode' });
    const second = await ask({ id: 14, type: 'pairing.sync', pairingId, passcode: hotp(21) });
    expect(second).toMatchObject({ ok: true, result: 'accepted' });
    await client.close();

    // The paths did log, redacted: the public id stays, the rest becomes asterisks.
    expect(capture.raw.some((l) => l.includes('"otp":"******"'))).toBe(true);
    expect(
      capture.raw.some((l) => l.includes(`"otp":"${YUBICO_PUBLIC_ID}${'*'.repeat(32)}"`)),
    ).toBe(true);

    const modules = capture.modules();
    for (const m of ['devices', 'server', 'token-verifier', 'virtual-token', 'pairing'])
      expect(modules).toContain(m);
    expect(
      capture.leaks([
        ...RFC_FORMS,
        ...YUBICO_FORMS,
        otp,
        '90817263',
        sessionToken,
        yubicoOtp,
        yubicoOtp.slice(-32),
        generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, 20),
        generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, 21),
      ]),
    ).toEqual([]);
  });
});

describe('one child logger per module', () => {
  test('every line the daemon parts write names its module', async () => {
    const bus = new VirtualDriver({ logger: capture.logger });
    bus.attach(
      new VirtualToken(parseVirtualSpec('yubikey:serial=5550002,pacing=0'), {
        logger: capture.logger,
      }),
    );
    const rig = parts(new HeldClock(), [bus]);
    await rig.devices().start();
    await (await rig.verifier()).verify('5550002', '123456', CONTEXT).catch(() => undefined);
    expect(capture.raw.length).toBeGreaterThan(0);
    const anonymous = capture.raw.filter(
      (l) => (JSON.parse(l) as { module?: unknown }).module === undefined,
    );
    expect(anonymous).toEqual([]);
  });
});
