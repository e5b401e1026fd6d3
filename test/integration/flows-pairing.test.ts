import { version as packageVersion } from '../../package.json';
import { VerifyOutcome } from '../../src/api';
import { generateTotp } from '../../src/otp';
import { RFC4226_SECRET_ASCII } from '../vectors/rfc4226';
import { hotpToken, RFC_SEED, totpToken, yubicoToken } from '../unit/tokens/registry-fixtures';
import { startFlowServer, type FlowClient, type FlowServer } from '../unit/flows/flow-server-rig';

const RFC_SECRET_HEX = Buffer.from(RFC4226_SECRET_ASCII, 'ascii').toString('hex');
const HOTP_SPEC = `hotp:serial=5000001,secret=${RFC_SECRET_HEX},pacing=0`;
const PUBLIC_ID = 'vvccccbcbcbc';
const YUBICO_SPEC =
  `yubico:serial=5000002,aes-key=ecde18dbe76fbd0c33330f1c354871db,` +
  `private-id=8792ebfe26cc,public-id=${PUBLIC_ID},pacing=0`;
const ALICE = 'alice@example.com';

let daemon: FlowServer;
afterEach(async () => {
  await daemon.stop();
});

/** Start -> Hardware Token -> (serial) -> Verification; returns the pairing id. */
async function toVerification(client: FlowClient, serial: string): Promise<string> {
  const start = await client.request('pairing.start', { user: ALICE });
  const pairingId = start.pairingId as string;
  await client.request('pairing.chooseHardwareToken', { pairingId });
  const next = await client.request('pairing.serial', { pairingId, serial });
  expect(next).toMatchObject({ ok: true, step: 'verification', serial });
  return pairingId;
}

/** Presses the token's button and returns the OTP the page received for it. */
async function press(client: FlowClient, daemon: FlowServer, index = 0): Promise<string> {
  const typed = daemon.tokens[index]!.press();
  const event = await client.event('otp');
  await typed;
  return event.otp as string;
}

describe('pairing over the WebSocket API, with virtual tokens and a real client', () => {
  test('a HOTP token paired from a button press, window by window', async () => {
    daemon = await startFlowServer({ tokens: [hotpToken('5000001')], specs: [HOTP_SPEC] });
    const { client, hello } = await daemon.connect();
    expect(hello).toMatchObject({
      version: packageVersion,
      capabilities: { pairing: true, tapPairing: true, setup: true },
      devices: [{ driver: 'virtual', serial: '5000001', access: 'shared' }],
    });

    const start = await client.request('pairing.start', { user: ALICE });
    expect(start).toMatchObject({ ok: true, step: 'choose-device' });
    const pairingId = start.pairingId as string;
    expect(await client.event('pairing.state')).toEqual({
      type: 'pairing.state',
      pairingId,
      step: 'choose-device',
    });
    // The plugged token's serial is pre-filled at Hardware Token Pairing.
    expect(await client.request('pairing.chooseHardwareToken', { pairingId })).toMatchObject({
      ok: true,
      step: 'serial',
      serial: '5000001',
    });
    await client.request('pairing.serial', { pairingId, serial: '5000001' });

    const otp = await press(client, daemon);
    expect(otp).toBe('755224');
    const verified = await client.request('pairing.verify', { pairingId, passcode: otp });
    expect(verified.ok).toBe(true);
    const { id: _id, ok: _ok, ...outcome } = verified;
    expect(VerifyOutcome.parse(outcome)).toMatchObject({ result: 'accepted' });
    expect(await client.event('pairing.state', (e) => e.step === 'done')).toMatchObject({
      pairingId,
      serial: '5000001',
    });
    expect((await daemon.store.get('5000001'))?.user).toBe(ALICE);
    expect(await daemon.verifications()).toEqual({ 'pairing:accepted': 1 });
  });

  test('a TOTP token pairs with the code of the controlled clock', async () => {
    daemon = await startFlowServer({ tokens: [totpToken('6000001')] });
    const { client } = await daemon.connect();
    const pairingId = await toVerification(client, '6000001');
    const code = generateTotp(
      { secret: RFC_SEED, algorithm: 'sha1', digits: 6, period: 30 },
      daemon.clock.now(),
    );
    daemon.clock.jump(-60_000);
    // A minute earlier the same code is two steps ahead of the clock: Final Step territory.
    expect(await client.request('pairing.verify', { pairingId, passcode: code })).toMatchObject({
      ok: true,
      result: 'needs-next-passcode',
    });
    daemon.clock.jump(60_000);
    const state = await client.request('pairing.cancel', { pairingId });
    expect(state).toMatchObject({ ok: true, cancelled: true });
    const again = await toVerification(client, '6000001');
    expect(
      await client.request('pairing.verify', { pairingId: again, passcode: code }),
    ).toMatchObject({
      ok: true,
      result: 'accepted',
    });
  });

  test('a Yubico OTP token pairs by a tap, no serial typed', async () => {
    daemon = await startFlowServer({
      tokens: [yubicoToken('5000002', PUBLIC_ID)],
      specs: [YUBICO_SPEC],
    });
    const { client } = await daemon.connect();
    const start = await client.request('pairing.start', { user: ALICE });
    const pairingId = start.pairingId as string;
    const typed = daemon.tokens[0]!.press();
    const event = await client.event('otp');
    await typed;
    expect(event).toMatchObject({ format: 'yubico', serial: '5000002' });
    expect((event.otp as string).startsWith(PUBLIC_ID)).toBe(true);
    expect(
      await client.request('pairing.tap', { pairingId, passcode: event.otp as string }),
    ).toMatchObject({ ok: true, result: 'accepted', sessionToken: expect.any(String) });
    expect((await daemon.store.get('5000002'))?.user).toBe(ALICE);
  });

  test('a token pressed beyond the window: Final Step, one more press, Sync pairs it', async () => {
    daemon = await startFlowServer({
      tokens: [hotpToken('5000001')],
      specs: [`${HOTP_SPEC},counter=40`],
    });
    const { client } = await daemon.connect();
    const pairingId = await toVerification(client, '5000001');
    const first = await press(client, daemon);
    expect(await client.request('pairing.verify', { pairingId, passcode: first })).toMatchObject({
      ok: true,
      result: 'needs-next-passcode',
    });
    expect(await client.event('pairing.state', (e) => e.step === 'final-step')).toBeDefined();
    const second = await press(client, daemon);
    expect(await client.request('pairing.sync', { pairingId, passcode: second })).toMatchObject({
      ok: true,
      result: 'accepted',
    });
    expect(await daemon.store.get('5000001')).toMatchObject({ user: ALICE, counter: 42 });
  });

  test('wrong codes count down and lock the token; the page is told how long to wait', async () => {
    daemon = await startFlowServer({ tokens: [hotpToken('5000001')] });
    const { client } = await daemon.connect();
    const pairingId = await toVerification(client, '5000001');
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push(await client.request('pairing.verify', { pairingId, passcode: '918273' }));
    expect(answers.map(({ id: _i, ok: _o, ...rest }) => rest)).toEqual([
      { result: 'rejected', reason: 'wrong-passcode', attemptsLeft: 2 },
      { result: 'rejected', reason: 'wrong-passcode', attemptsLeft: 1 },
      { result: 'locked', retryAfterMs: 120_000 },
      { result: 'locked', retryAfterMs: 120_000 },
    ]);
    expect(await daemon.lockouts()).toBe(1);
  });

  test('two clients pair two tokens at once; neither sees or can use the other pairing', async () => {
    daemon = await startFlowServer({
      tokens: [hotpToken('5000001'), yubicoToken('5000002', PUBLIC_ID)],
      specs: [HOTP_SPEC, YUBICO_SPEC],
    });
    const a = (await daemon.connect()).client;
    const b = (await daemon.connect()).client;
    const [idA, startB] = await Promise.all([
      toVerification(a, '5000001'),
      b.request('pairing.start', { user: 'bob' }),
    ]);
    const idB = startB.pairingId as string;
    expect(await a.request('pairing.chooseHardwareToken', { pairingId: idB })).toMatchObject({
      ok: false,
      error: { code: 'PAIRING_NOT_FOUND' },
    });
    const hotp = daemon.tokens[0]!.press();
    const yubico = daemon.tokens[1]!.press();
    const [otpA, otpB] = await Promise.all([
      a.event('otp', (e) => e.format === 'oath-hotp'),
      b.event('otp', (e) => e.format === 'yubico'),
    ]);
    await Promise.all([hotp, yubico]);
    const [doneA, doneB] = await Promise.all([
      a.request('pairing.verify', { pairingId: idA, passcode: otpA.otp }),
      b.request('pairing.tap', { pairingId: idB, passcode: otpB.otp }),
    ]);
    expect(doneA).toMatchObject({ result: 'accepted' });
    expect(doneB).toMatchObject({ result: 'accepted' });
    expect((await daemon.store.get('5000001'))?.user).toBe(ALICE);
    expect((await daemon.store.get('5000002'))?.user).toBe('bob');
    // pairing.state goes only to the connection that owns the pairing.
    await b.request('ping');
    expect(b.pending('pairing.state').every((e) => e.pairingId === idB)).toBe(true);
    expect(a.pending('pairing.state').every((e) => e.pairingId === idA)).toBe(true);
  });

  test('a kiosk without pairing says so in hello and refuses Start', async () => {
    daemon = await startFlowServer({ pairing: false, kiosk: { idleResetMs: 30_000 } });
    const { client, hello } = await daemon.connect();
    expect(hello).toMatchObject({
      capabilities: { pairing: false, tapPairing: false, setup: false },
      kiosk: { idleResetMs: 30_000 },
    });
    expect(await client.request('pairing.start', { user: ALICE })).toMatchObject({
      ok: false,
      error: { code: 'PAIRING_DISABLED' },
    });
  });
});
