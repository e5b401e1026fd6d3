import { httpGet } from '../helpers/http';
import { generateHotp } from '../../src/otp';
import { parseVirtualSpec, VirtualToken } from '../../drivers/virtual';
import { startTestDaemon } from '../helpers/daemon';
import { sampleValue } from '../unit/metrics/exposition';
import { HeldClock } from '../helpers/manual-clock';
import { hotpToken, RFC_SEED } from '../unit/tokens/registry-fixtures';
import { open, type TestClient } from './server-harness';

const PAIRED = '6600001';
const UNPAIRED = '6600002';
const code = (counter: number) =>
  generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, counter);

interface Rig {
  port: number;
  token: VirtualToken;
  client: TestClient;
  scrape(): Promise<string>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

/** The whole daemon (startTestDaemon) over a real store and a virtual token, lockout after 2. */
async function start(): Promise<Rig> {
  const token = new VirtualToken(
    parseVirtualSpec(
      `hotp:serial=${PAIRED},secret=${Buffer.from(RFC_SEED).toString('hex')},pacing=0`,
    ),
  );
  const test = await startTestDaemon({
    clock: new HeldClock(),
    tokens: [token],
    config: {
      lockout: { maxFailures: 2, baseMs: 60_000, maxMs: 600_000, multiplier: 2 },
      otp: { hotpWindow: 5, totpWindow: 1, hotpResyncWindow: 100, totpResyncSteps: 10 },
    },
  });
  cleanups.push(() => test.stop());
  const store = test.daemon.store;
  const session = await store.beginImport({ replace: false, dryRun: false, source: 'test' });
  await session.add(hotpToken(PAIRED));
  await session.add(hotpToken(UNPAIRED));
  await session.commit();
  await store.pair(PAIRED, 'alice', { source: 'test' });
  const port = test.daemon.port;
  const client = await open(port);
  expect(await client.next()).toMatchObject({ type: 'hello' });
  return { port, token, client, scrape: () => scrape(port) };
}

const scrape = async (port: number) => (await httpGet({ port, path: '/metrics' })).body;

/** A request's reply, skipping the events (otp, pairing.state) that arrive in between. */
async function ask(
  client: TestClient,
  msg: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  client.send(msg);
  let reply = await client.next();
  while (reply.id !== msg.id) reply = await client.next();
  return reply;
}

async function nextOfType(client: TestClient, type: string): Promise<Record<string, unknown>> {
  let msg = await client.next();
  while (msg.type !== type) msg = await client.next();
  return msg;
}

describe('metrics of a running bridge', () => {
  test('a press, a sign-on, wrong codes up to a lockout, all in /metrics', async () => {
    const rig = await start();
    await rig.token.press();
    const otp = String((await nextOfType(rig.client, 'otp')).otp);

    const signOn = (id: number, passcode: string) =>
      ask(rig.client, { id, type: 'signon.verify', user: 'alice', passcode });
    expect(await signOn(1, otp)).toMatchObject({ result: 'accepted' });
    expect(await signOn(2, '000000')).toMatchObject({ result: 'rejected' });
    const second = await signOn(3, '111111');
    const third = await signOn(4, '222222');
    await rig.client.close();

    const text = await rig.scrape();
    expect(sampleValue(text, 'tokenbridge_otps_captured_total', { format: 'oath-hotp' })).toBe(1);
    expect(sampleValue(text, 'tokenbridge_devices_attached', { driver: 'virtual' })).toBe(1);
    expect(
      sampleValue(text, 'tokenbridge_verifications_total', {
        flow: 'sign-on',
        result: 'accepted',
      }),
    ).toBe(1);
    // The second wrong code reaches maxFailures (2): the token locks, once.
    const results = [second.result, third.result];
    const count = (r: string) =>
      sampleValue(text, 'tokenbridge_verifications_total', { flow: 'sign-on', result: r }) ?? 0;
    expect(count('rejected') + count('locked')).toBe(3);
    expect(count('locked')).toBe(results.filter((r) => r === 'locked').length);
    expect(sampleValue(text, 'tokenbridge_lockouts_total')).toBe(1);
    // One acceptance made durable, in one commit of its own (SQLite); failures are not counted.
    expect(sampleValue(text, 'tokenbridge_registry_verification_writes_total')).toBe(1);
    expect(sampleValue(text, 'tokenbridge_registry_verification_commits_total')).toBe(1);
  });

  test('a pairing from choose-device to done counts one accepted pairing verification', async () => {
    const rig = await start();
    const c = rig.client;
    const started = await ask(c, { id: 1, type: 'pairing.start', user: 'bob' });
    const pairingId = String(started.pairingId);
    await ask(c, { id: 2, type: 'pairing.chooseHardwareToken', pairingId });
    const serial = await ask(c, { id: 3, type: 'pairing.serial', pairingId, serial: UNPAIRED });
    expect(serial).toMatchObject({ ok: true, step: 'verification' });
    const done = await ask(c, { id: 5, type: 'pairing.verify', pairingId, passcode: code(0) });
    expect(done).toMatchObject({ ok: true, result: 'accepted' });
    const refused = await ask(c, {
      id: 6,
      type: 'pairing.serial',
      pairingId: 'nosuchpairing',
      serial: UNPAIRED,
    });
    expect(refused).toMatchObject({ ok: false });
    const refusedCode = String((refused.error as { code: string }).code);

    const text = await rig.scrape();
    const v = (result: string) =>
      sampleValue(text, 'tokenbridge_verifications_total', { flow: 'pairing', result });
    expect(v('accepted')).toBe(1);
    expect(v('rejected')).toBeUndefined();
    expect(sampleValue(text, 'tokenbridge_request_errors_total', { code: refusedCode })).toBe(1);
    expect(sampleValue(text, 'tokenbridge_websocket_clients')).toBe(1);
  });
});
