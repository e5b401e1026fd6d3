import { RFC4226_SECRET_ASCII, RFC4226_VECTORS } from '../vectors/rfc4226';
import { hotpToken } from '../unit/tokens/registry-fixtures';
import { startFlowServer, type FlowClient, type FlowServer } from '../unit/flows/flow-server-rig';
import type { ConfigLayer } from '../../src/config';

const SECRET_HEX = Buffer.from(RFC4226_SECRET_ASCII, 'ascii').toString('hex');
const ALICE = 'alice@example.com';
const code = (counter: number) => RFC4226_VECTORS[counter]!.otp;
const WRONG = ['000000', '111111', '222222', '333333', '444444', '555555'];
const LOCK_MS = 120_000; // lockout.baseMs

let daemon: FlowServer;
afterEach(() => daemon.stop());

async function start(config: ConfigLayer = {}): Promise<FlowServer> {
  daemon = await startFlowServer({
    tokens: [hotpToken('5000001'), hotpToken('5000002'), hotpToken('5000003')],
    specs: [`hotp:serial=5000001,secret=${SECRET_HEX},pacing=0`],
    config,
  });
  await daemon.store.pair('5000001', ALICE, { source: 'test' });
  return daemon;
}

const signOn = (client: FlowClient, passcode: string, user = ALICE) =>
  client.request('signon.verify', { user, passcode });

async function lockAlice(attacker: FlowClient): Promise<void> {
  for (const passcode of WRONG.slice(0, 3)) await signOn(attacker, passcode);
  expect(await daemon.store.get('5000001')).toMatchObject({ lockedUntil: expect.any(Number) });
}

describe('lockout abuse: a stranger cannot keep the owner out', () => {
  test('three wrong codes lock alice; alice, on a fresh connection, signs on with a correct code', async () => {
    await start();
    const attacker = (await daemon.connect()).client;
    await lockAlice(attacker);
    // The attacker's own connection stays locked out...
    expect(await signOn(attacker, code(0))).toMatchObject({ result: 'locked' });
    // ...but alice, pressing her token on a fresh connection, gets in at once.
    const alice = (await daemon.connect()).client;
    expect(await signOn(alice, code(0))).toMatchObject({ result: 'accepted' });
    expect(await daemon.store.get('5000001')).toMatchObject({
      lockedUntil: null,
      failCount: 0,
      counter: 1,
    });
    // A correct code is accepted once: the same press cannot be replayed through the exemption.
    const replay = (await daemon.connect()).client;
    expect(await signOn(replay, code(0))).toMatchObject({ result: 'rejected', reason: 'replayed' });
  });

  test('the fresh try is rationed per user: one failing try closes it for the next lock length', async () => {
    await start();
    await lockAlice((await daemon.connect()).client);
    const prober = (await daemon.connect()).client;
    expect(await signOn(prober, WRONG[3]!)).toMatchObject({ result: 'locked' });
    const failedTries = async () =>
      (await daemon.store.audit()).filter(
        (e) => e.event === 'failed' && (e.detail as { counted?: boolean }).counted === false,
      ).length;
    expect(await failedTries()).toBe(1);
    // The next fresh connection finds the slot taken: not tried, not audited, not counted.
    const second = (await daemon.connect()).client;
    expect(await signOn(second, WRONG[4]!)).toMatchObject({ result: 'locked' });
    expect(await failedTries()).toBe(1);
    expect(await daemon.store.get('5000001')).toMatchObject({ failCount: 0, lockCount: 1 });
    // This is the trade-off (docs/security.md): a prober that keeps spending the slot delays
    // alice until it reopens, one lock length on; then alice's fresh connection gets in.
    const early = (await daemon.connect()).client;
    expect(await signOn(early, code(0))).toMatchObject({ result: 'locked' });
    daemon.clock.jump(LOCK_MS);
    const alice = (await daemon.connect()).client;
    expect(await signOn(alice, code(1))).toMatchObject({ result: 'accepted' });
  });

  test('one connection that keeps guessing is slowed across users, and nothing it sends is tried', async () => {
    await start({ guessing: { perConnection: 4 } });
    await daemon.store.pair('5000002', 'bob', { source: 'test' });
    await daemon.store.pair('5000003', 'carol', { source: 'test' });
    const guesser = (await daemon.connect()).client;
    for (const [user, passcode] of [
      ['bob', WRONG[0]],
      ['bob', WRONG[1]],
      ['carol', WRONG[0]],
      ['carol', WRONG[1]],
    ] as const)
      expect(await signOn(guesser, passcode!, user)).toMatchObject({ result: 'rejected' });
    const slowed = await signOn(guesser, WRONG[2]!, 'carol');
    expect(slowed).toEqual({ id: slowed.id, ok: true, result: 'locked', retryAfterMs: LOCK_MS });
    // Untried: carol's token has the two failures it had, and is not locked.
    expect(await daemon.store.get('5000003')).toMatchObject({ failCount: 2, lockedUntil: null });
    daemon.clock.jump(LOCK_MS);
    expect(await signOn(guesser, WRONG[2]!, 'carol')).toMatchObject({ result: 'locked' });
    expect(await daemon.store.get('5000003')).toMatchObject({ lockedUntil: expect.any(Number) });
  });
});

describe('what the registry tells a stranger is rationed', () => {
  async function pairingAt(client: FlowClient, user = 'mallory'): Promise<string> {
    const started = await client.request('pairing.start', { user });
    const pairingId = started.pairingId as string;
    await client.request('pairing.chooseHardwareToken', { pairingId });
    return pairingId;
  }

  test('a person is told their serial is unknown or taken; a prober is cut off, valid serials included', async () => {
    await start();
    const prober = (await daemon.connect()).client;
    const pairingId = await pairingAt(prober);
    const serial = (s: string) => prober.request('pairing.serial', { pairingId, serial: s });
    expect(await serial('5000001')).toMatchObject({ ok: false, error: { code: 'TOKEN_PAIRED' } });
    for (const s of ['9000001', '9000002', '9000003', '9000004'])
      expect(await serial(s)).toMatchObject({ ok: false, error: { code: 'TOKEN_NOT_FOUND' } });
    // The sixth answer would say something again; whatever the serial, it is refused untried.
    for (const s of ['9000005', '5000002'])
      expect(await serial(s)).toMatchObject({
        ok: false,
        error: { code: 'TOO_MANY_ATTEMPTS', message: expect.stringMatching(/try again in \d+ s/) },
      });
    // A person on another page is not held up by one prober's connection.
    const person = (await daemon.connect()).client;
    const theirs = await pairingAt(person, 'dave');
    expect(
      await person.request('pairing.serial', { pairingId: theirs, serial: '5000002' }),
    ).toMatchObject({ ok: true, step: 'verification' });
  });

  test('the daemon-wide ration bounds probers that open connection after connection', async () => {
    await start({ guessing: { lookupsPerHour: 3 } });
    const ask = async (s: string) => {
      const client = (await daemon.connect()).client;
      const pairingId = await pairingAt(client);
      return client.request('pairing.serial', { pairingId, serial: s });
    };
    for (const s of ['9000001', '9000002', '9000003'])
      expect(await ask(s)).toMatchObject({ error: { code: 'TOKEN_NOT_FOUND' } });
    expect(await ask('5000002')).toMatchObject({ error: { code: 'TOO_MANY_ATTEMPTS' } });
    daemon.clock.jump(20 * 60_000); // an hour's ration is 3: one comes back every 20 minutes
    expect(await ask('9000004')).toMatchObject({ error: { code: 'TOKEN_NOT_FOUND' } });
    expect(await ask('9000005')).toMatchObject({ error: { code: 'TOO_MANY_ATTEMPTS' } });
  });
});
