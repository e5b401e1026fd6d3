import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../../drivers/virtual';
import { HelloEvent, ServerEvent, VerifyOutcome } from '../../../src/api';
import { silentLogger } from '../../../src/core';
import { createFlowBackend } from '../../../src/daemon/backend';
import type { DeviceManager } from '../../../src/devices';
import { Runtime } from '../../../src/runtime';
import type { BackendEventListener } from '../../../src/server';
import type { RegistryStore } from '../../../src/tokens';
import { testConfig } from '../../helpers/config';
import { HeldClock } from '../../helpers/manual-clock';
import { hotpToken, importTokens, tempDir } from '../tokens/registry-fixtures';
import { codeOf, hotpCode, RecordingObserver } from './flow-rig';

const SPEC = 'hotp:serial=5000001,secret=3132333435363738393031323334353637383930,pacing=0';
const ctx = { connectionId: 'conn-1', origin: 'http://127.0.0.1:7343' };

let store: RegistryStore;
let bus: VirtualDriver;
let devices: DeviceManager;
let runtime: Runtime;
let backend: ReturnType<typeof createFlowBackend>;
let cleanup: () => void;
let clock: HeldClock;
let observer: RecordingObserver;
const events: Array<{ event: ServerEvent; to: string | undefined }> = [];

beforeEach(async () => {
  const temp = tempDir();
  cleanup = temp.cleanup;
  clock = new HeldClock();
  bus = new VirtualDriver();
  bus.attach(new VirtualToken(parseVirtualSpec(SPEC)));
  observer = new RecordingObserver();
  const logger = silentLogger();
  runtime = new Runtime({
    config: testConfig(temp.dir),
    logger,
    env: {},
    clock,
    drivers: [bus],
    observer,
  });
  store = await runtime.store();
  await importTokens(store, [hotpToken('5000001')]);
  devices = runtime.devices();
  backend = createFlowBackend({
    flows: await runtime.flows(),
    store,
    devices,
    logger,
    version: '1.2.3',
    pairing: true,
  });
  await devices.start();
  events.length = 0;
});

afterEach(async () => {
  backend.close();
  await runtime.close();
  cleanup();
});

const listener: BackendEventListener = (event, to) => events.push({ event, to });

/** Resolves when the subscribed listener has received an event of this type. */
function backendEvent(type: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (events.some((e) => e.event.type === type)) resolve();
      else setImmediate(check);
    };
    check();
  });
}

async function atVerification(): Promise<string> {
  const { pairingId } = await backend.pairingStart(ctx, 'alice');
  await backend.pairingChooseHardwareToken(ctx, pairingId);
  await backend.pairingSerial(ctx, pairingId, '5000001');
  return pairingId;
}

describe('the flow backend behind the server', () => {
  test('hello carries the version, capabilities and the attached devices in API shape', async () => {
    const hello = await backend.hello();
    expect(HelloEvent.parse({ type: 'hello', protocol: 'tokenbridge.v1', ...hello })).toBeTruthy();
    expect(hello).toMatchObject({
      version: '1.2.3',
      capabilities: { pairing: true, tapPairing: true, setup: true },
      devices: [{ driver: 'virtual', serial: '5000001', firmware: expect.any(String) }],
    });
    expect(hello).not.toHaveProperty('kiosk');
  });

  test('device and otp events reach subscribers as API events, until they unsubscribe', async () => {
    const stop = backend.subscribe(listener);
    const token = bus.tokens()[0]!;
    await token.press();
    await devices.settled();
    const otp = events.find((e) => e.event.type === 'otp');
    expect(otp?.to).toBeUndefined();
    expect(ServerEvent.parse(otp?.event)).toMatchObject({
      type: 'otp',
      serial: '5000001',
      format: 'oath-hotp',
      otp: hotpCode(0),
    });
    token.unplug();
    await backendEvent('device.detached');
    stop();
    const seen = events.length;
    const attached = new Promise((resolve) => devices.on('attached', resolve));
    token.plug();
    await attached;
    expect(events).toHaveLength(seen);
  });

  test('pairing.state goes only to the connection that owns the pairing', async () => {
    backend.subscribe(listener);
    await atVerification();
    expect(events.map((e) => [e.event.type, e.to])).toEqual([
      ['pairing.state', 'conn-1'],
      ['pairing.state', 'conn-1'],
      ['pairing.state', 'conn-1'],
    ]);
  });

  test('every outcome the flows give is a valid API outcome', async () => {
    const id = await atVerification();
    const outcomes = [
      await backend.pairingVerify(ctx, id, '918273'),
      await backend.pairingVerify(ctx, id, hotpCode(60)),
      await backend.pairingSync(ctx, id, hotpCode(61)),
      await backend.signonVerify(ctx, 'alice', '918273'),
      await backend.signonVerify(ctx, 'alice', '918273'),
      await backend.signonVerify(ctx, 'alice', '918273'),
    ];
    for (const outcome of outcomes) expect(VerifyOutcome.parse(outcome)).toEqual(outcome);
    expect(outcomes.map((o) => o.result)).toEqual([
      'rejected',
      'needs-next-passcode',
      'accepted',
      'rejected',
      'rejected',
      'locked',
    ]);
    expect(outcomes[2]).not.toHaveProperty('serial');
    expect(observer.verifications).toEqual([
      'pairing:rejected',
      'pairing:needs-next-passcode',
      'pairing:accepted',
      'sign-on:rejected',
      'sign-on:rejected',
      'sign-on:locked',
    ]);
  });

  test("a closed connection's pairings are dropped", async () => {
    const id = await atVerification();
    backend.connectionClosed!(ctx);
    expect(await codeOf(backend.pairingVerify(ctx, id, hotpCode(0)))).toBe('PAIRING_NOT_FOUND');
  });

  test('unpair goes through the flows to the store', async () => {
    await store.pair('5000001', 'alice', { source: 'test' });
    await backend.tokenUnpair(ctx, 'alice', '5000001');
    expect((await store.get('5000001'))?.user).toBeNull();
  });

  test('health counts devices and reports a store that cannot answer', async () => {
    expect(await backend.health()).toEqual({ devices: 1, store: 'ok' });
    await store.close();
    expect(await backend.health()).toEqual({ devices: 1, store: 'error' });
  });
});
