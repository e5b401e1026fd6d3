import { readFileSync } from 'node:fs';
import { ErrorCode, NO_ACCESS_CODE } from '../../src/core';
import { SqliteTokenStore } from '../../src/tokens';
import { parsePskc } from '../../src/tokens/import';
import { KeyEnroller, pskcExport } from '../../src/enroll';
import { hotpSlotConfig, OtpSlotSession } from '../../src/yubikey';
import { openEnrollRig, type EnrollRig } from '../helpers/enroll-rig';

const CODE = Uint8Array.of(1, 2, 3, 4, 5, 6);

let rig: EnrollRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function open(spec: string, config = {}): Promise<EnrollRig> {
  rig = await openEnrollRig(spec, config);
  return rig;
}

/** The audit rows of programming, and never a secret among them. */
async function programmingRows(r: EnrollRig): Promise<Array<Record<string, unknown>>> {
  const rows = await r.store.audit({ event: 'programmed' });
  return rows.map((row) => row.detail as Record<string, unknown>);
}

describe('setting up a blank key: program, read the first OTP back, verify, register', () => {
  test('OATH-HOTP in slot 2: the record is committed after the first OTP, which is used up', async () => {
    const r = await open('blank:serial=6100001,pacing=0');
    const steps: string[] = [];
    const outcome = await r.enroll({}, 'press', (s) => steps.push(s));
    expect(outcome).toMatchObject({
      result: 'enrolled',
      serial: '6100001',
      slot: 2,
      kind: 'hotp',
      checkedBy: 'first-otp',
      record: { kind: 'hotp', digits: 6, counter: 1, user: null },
    });
    expect(steps).toEqual(['programming', 'touch', 'verifying', 'registering']);
    // The key and the registry agree from here on: the next press verifies.
    const next = await r.token.press(2);
    const verifier = await r.runtime.verifier();
    await expect(verifier.verify('6100001', next, { source: 'test' })).resolves.toMatchObject({
      status: 'accepted',
      matched: 1,
    });
    expect(await programmingRows(r)).toEqual([
      expect.objectContaining({ device: r.deviceId, slot: 2, kind: 'hotp', outcome: 'written' }),
      expect.objectContaining({ outcome: 'enrolled', previously: 'empty' }),
    ]);
  });

  test('8 digits with the token id, and Yubico OTP, each verified by its first OTP', async () => {
    const r = await open('blank:serial=6100002,pacing=0');
    await expect(r.enroll({ digits: 8, tokenId: true })).resolves.toMatchObject({
      result: 'enrolled',
      record: { digits: 8, counter: 1 },
    });
    await expect(r.token.press(2)).resolves.toMatch(/^ubhe06100002\d{8}$/);
    const yubico = await r.enroll({ kind: 'yubiotp', slot: 1, force: true });
    expect(yubico).toMatchObject({
      result: 'enrolled',
      record: { kind: 'yubico', publicId: 'vvccccgtbfdd' },
    });
  });

  test('challenge-response: verified by an HMAC answer, not registered', async () => {
    const r = await open('blank:serial=6100003,pacing=0');
    const outcome = await r.enroll({ kind: 'chalresp' }, 'nothing');
    expect(outcome).toMatchObject({
      result: 'enrolled',
      kind: 'chalresp',
      record: null,
      checkedBy: 'challenge-response',
    });
    expect(await r.store.get('6100003')).toBeNull();
  });

  test('the seed can be exported as PSKC before the commit, and imports back', async () => {
    const r = await open('blank:serial=6100004,pacing=0');
    const key = new Uint8Array(16).fill(7);
    let xml = '';
    const outcome = await r.enroll({
      exportCredential: async (credential) => {
        xml = pskcExport(credential, key, (n) => new Uint8Array(n).fill(3));
      },
    });
    expect(outcome.result).toBe('enrolled');
    const [token] = [...parsePskc(xml, { key })];
    expect(token).toMatchObject({ serial: '6100004', kind: 'hotp', digits: 6, counter: 1 });
    // The exported seed is the key's: it gives the code the key types next.
    const verifier = await r.runtime.verifier();
    await expect(
      verifier.verify('6100004', await r.token.press(2), { source: 'test' }),
    ).resolves.toMatchObject({ status: 'accepted' });
    expect(xml).not.toContain(Buffer.from(token!.secret).toString('base64'));
  });
});

describe('refusals change nothing and say what is there', () => {
  test('a configured slot without --force', async () => {
    const r = await open('hotp:serial=6100010,pacing=0');
    const before = r.token.programmedSlots()[0]!.config.fields;
    const outcome = await r.enroll({ slot: 1 });
    expect(outcome).toEqual({
      result: 'refused',
      code: ErrorCode.SLOT_CONFIGURED,
      message:
        'slot 1 of key 6100010 holds a configuration that types on a touch (an OTP or a static password): --force overwrites it, and what it holds cannot be restored',
    });
    expect(r.token.programmingSequence).toBe(1);
    expect(r.token.programmedSlots()[0]!.config.fields).toEqual(before);
    expect(await programmingRows(r)).toEqual([]);
  });

  test('a serial already in the registry without --force', async () => {
    const r = await open('blank:serial=6100011,pacing=0');
    await r.enroll();
    const again = await r.enroll({ slot: 1 });
    expect(again).toMatchObject({ result: 'refused', code: ErrorCode.TOKEN_EXISTS });
    expect(again.result === 'refused' && again.message).toMatch(
      /token 6100011 is in the registry already \(hotp\)/,
    );
    expect(r.token.programmedSlots()[0]).toBeNull();
  });

  test('--force overwrites a configured slot and replaces the record', async () => {
    const r = await open('blank:serial=6100012,pacing=0');
    await r.enroll();
    const replaced = await r.enroll({ force: true });
    expect(replaced).toMatchObject({ result: 'enrolled', record: { counter: 1 } });
    expect(await programmingRows(r)).toContainEqual(
      expect.objectContaining({ outcome: 'enrolled', previously: 'configured' }),
    );
  });
});

describe('faults during programming leave the key and the registry consistent', () => {
  test('unplugged between chunks: the key ran nothing, nothing is registered', async () => {
    const r = await open('blank:serial=6100020,pacing=0');
    r.token.injectFault({ kind: 'unplug-mid-transfer', afterReports: 4 });
    const outcome = await r.enroll();
    expect(outcome).toMatchObject({
      result: 'failed',
      step: 'programming',
      key: 'unchanged',
      registry: 'unchanged',
    });
    r.token.plug();
    expect(r.token.programmedSlots()).toEqual([null, null]);
    expect(await r.store.count()).toBe(0);
  });

  test('a wrong access code: the slot keeps its configuration', async () => {
    const r = await open('blank:serial=6100021,pacing=0');
    const session = r.runtime.devices().session(r.deviceId)!;
    const seed = new Uint8Array(20).fill(9);
    await new OtpSlotSession(session).putConfiguration(
      2,
      hotpSlotConfig({ secret: seed, accessCode: CODE }),
      NO_ACCESS_CODE,
    );
    const outcome = await r.enroll({ force: true });
    expect(outcome).toMatchObject({
      result: 'failed',
      step: 'programming',
      key: 'unchanged',
      registry: 'unchanged',
    });
    expect(outcome.result === 'failed' && outcome.message).toMatch(/access code/);
    const withCode = await r.enroll({ force: true, accessCode: CODE });
    expect(withCode).toMatchObject({ result: 'enrolled' });
  });

  test('a CRC-corrupted write is refused by the key: unchanged, nothing registered', async () => {
    const r = await open('blank:serial=6100022,pacing=0');
    r.token.injectFault({ kind: 'frame-corruption' });
    await expect(r.enroll()).resolves.toMatchObject({
      result: 'failed',
      step: 'programming',
      key: 'unchanged',
      registry: 'unchanged',
    });
    expect(r.token.programmedSlots()).toEqual([null, null]);
    expect(await r.store.count()).toBe(0);
  });

  test('a key that never confirms: the state is said to be unknown, nothing is registered', async () => {
    const r = await open('blank:serial=6100023,pacing=0');
    r.token.injectFault({ kind: 'never-confirm' });
    const outcome = await r.enroll();
    expect(outcome).toMatchObject({
      result: 'failed',
      step: 'programming',
      key: 'unknown',
      registry: 'unchanged',
    });
    expect(await r.store.count()).toBe(0);
    expect(await programmingRows(r)).toEqual([
      expect.objectContaining({ outcome: 'rejected: busy' }),
    ]);
  });

  test('nobody touches the key in time: the new slot is deleted again, nothing registered', async () => {
    const r = await open('blank:serial=6100024,pacing=0');
    // The runtime's parts, with a touch timeout short enough for a test.
    const impatient = new KeyEnroller({
      devices: r.runtime.devices(),
      store: r.store,
      verifier: await r.runtime.verifier(),
      touchTimeoutMs: 50,
    });
    const outcome = await impatient.enroll({
      deviceId: r.deviceId,
      kind: 'hotp',
      slot: 2,
      digits: 6,
      tokenId: false,
      force: false,
      source: 'test',
    });
    expect(outcome).toMatchObject({
      result: 'failed',
      step: 'touch',
      key: 'restored',
      registry: 'unchanged',
    });
    expect(outcome.result === 'failed' && outcome.message).toBe(
      'the key was not touched within 0 s; slot 2 was deleted again and is empty, as before',
    );
    expect(r.token.programmedSlots()).toEqual([null, null]);
    expect(await r.store.count()).toBe(0);
  });

  test('cancelled while waiting for the touch: the slot is deleted again (restored), nothing registered', async () => {
    const r = await open('blank:serial=6100025,pacing=0');
    const abort = new AbortController();
    const outcome = await r.enroll({ signal: abort.signal }, () => abort.abort());
    expect(outcome).toMatchObject({
      result: 'failed',
      step: 'touch',
      key: 'restored',
      registry: 'unchanged',
    });
    expect(r.token.programmedSlots()).toEqual([null, null]);
    expect(await r.store.count()).toBe(0);
  });

  test('unplugged while waiting for the touch: the key keeps an unregistered credential, and the outcome says how to clear it', async () => {
    const r = await open('blank:serial=6100026,pacing=0');
    const outcome = await r.enroll({}, (token) => token.unplug());
    expect(outcome).toMatchObject({
      result: 'failed',
      step: 'touch',
      key: 'programmed-unregistered',
      registry: 'unchanged',
    });
    expect(outcome.result === 'failed' && outcome.message).toMatch(
      /tokenbridge keys delete --slot 2/,
    );
    expect(await r.store.count()).toBe(0);
  });

  test('the touch types another slot (not the new credential): not verified, slot 2 deleted again', async () => {
    const r = await open('hotp:serial=6100027,pacing=0');
    const outcome = await r.enroll({}, (token) => void token.press(1));
    expect(outcome).toMatchObject({
      result: 'failed',
      step: 'verifying',
      key: 'restored',
      registry: 'unchanged',
    });
    expect(r.token.programmedSlots()[1]).toBeNull();
    expect(r.token.programmedSlots()[0]).not.toBeNull();
  });

  test('the export fails: the slot is deleted again, nothing registered', async () => {
    const r = await open('blank:serial=6100028,pacing=0');
    const outcome = await r.enroll({
      exportCredential: () => Promise.reject(new Error('disk full')),
    });
    expect(outcome).toMatchObject({
      result: 'failed',
      step: 'exporting',
      key: 'restored',
      registry: 'unchanged',
    });
    expect(outcome.result === 'failed' && outcome.message).toMatch(/disk full/);
    expect(await r.store.count()).toBe(0);
  });

  test('the serial is registered by someone else meanwhile: not overwritten, the slot deleted again', async () => {
    const r = await open('blank:serial=6100029,pacing=0');
    const theirs = {
      serial: '6100029',
      kind: 'hotp' as const,
      algorithm: 'sha1' as const,
      digits: 6 as const,
      period: 30 as const,
      secret: new Uint8Array(20).fill(1),
      origin: 'line 1',
    };
    // An administrator's import from a store of its own (another connection, as another process
    // would have), staged before the setup and published between its check and its commit: the
    // publish is one IMMEDIATE transaction that runs before commit() first waits.
    const admin = SqliteTokenStore.open({
      path: r.runtime.config.store.path,
      keyFile: r.runtime.config.store.keyFile,
      maxTokensPerUser: r.runtime.config.users.maxTokensPerUser,
    });
    const session = await admin.beginImport({ replace: false, dryRun: false, source: 'admin.csv' });
    await session.add(theirs);
    let published: Promise<unknown> | undefined;
    const outcome = await r.enroll({}, 'press', (step) => {
      if (step === 'registering') published = session.commit();
    });
    await published;
    admin.closeSync();
    expect(outcome).toMatchObject({
      result: 'failed',
      step: 'registering',
      key: 'restored',
      registry: 'unchanged',
    });
    expect(outcome.result === 'failed' && outcome.message).toMatch(
      /the registry did not take the record/,
    );
    expect(r.token.programmedSlots()).toEqual([null, null]);
    // The administrator's record is intact: its seed, not the key's.
    const loaded = await r.store.load('6100029');
    expect(Buffer.from(loaded!.secret.secret)).toEqual(Buffer.from(theirs.secret));
  });

  test('the audit never holds the seed', async () => {
    const r = await open('blank:serial=6100030,pacing=0');
    let seedHex = '';
    await r.enroll({
      exportCredential: async (c) => {
        seedHex = Buffer.from(c.secret).toString('hex');
      },
    });
    const everything = JSON.stringify(await r.store.audit({ limit: 1000 }));
    expect(seedHex).toHaveLength(40);
    expect(everything).not.toContain(seedHex);
    expect(readFileSync(r.runtime.config.store.path)).not.toContain(Buffer.from(seedHex, 'hex'));
  });
});
