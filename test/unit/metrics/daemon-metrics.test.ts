import { register as globalRegistry } from 'prom-client';
import { DaemonMetrics } from '../../../src/daemon/metrics';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../../drivers/virtual';
import { makeManager, stopManagers } from '../devices/manager-rig';
import { sampleValue } from './exposition';

const buses: VirtualDriver[] = [];
afterEach(async () => {
  await stopManagers();
  await Promise.all(buses.splice(0).map((b) => b.dispose()));
});

function virtualBus(...specs: string[]): { bus: VirtualDriver; tokens: VirtualToken[] } {
  const bus = new VirtualDriver();
  buses.push(bus);
  const tokens = specs.map((s) => new VirtualToken(parseVirtualSpec(s)));
  for (const t of tokens) bus.attach(t);
  return { bus, tokens };
}

describe('DaemonMetrics', () => {
  test('lives in its own registry: two daemons in one process do not collide, the global stays empty', async () => {
    const a = new DaemonMetrics();
    const b = new DaemonMetrics();
    a.lockout();
    expect(sampleValue(await a.render(), 'tokenbridge_lockouts_total')).toBe(1);
    expect(sampleValue(await b.render(), 'tokenbridge_lockouts_total')).toBe(0);
    expect(await globalRegistry.metrics()).not.toContain('tokenbridge_');
  });

  test('states the Prometheus text content type', () => {
    expect(new DaemonMetrics().contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  test.each([
    ['pairing', 'accepted'],
    ['pairing', 'needs-next-passcode'],
    ['sign-on', 'rejected'],
    ['sign-on', 'locked'],
  ] as const)('counts a %s verification that was %s under its labels', async (flow, result) => {
    const metrics = new DaemonMetrics();
    metrics.verification(flow, result);
    metrics.verification(flow, result);
    metrics.verification(flow === 'pairing' ? 'sign-on' : 'pairing', 'accepted');
    const text = await metrics.render();
    expect(sampleValue(text, 'tokenbridge_verifications_total', { flow, result })).toBe(2);
  });

  test('counts request errors by code and refused upgrades by reason', async () => {
    const metrics = new DaemonMetrics();
    metrics.requestError('RATE_LIMITED');
    metrics.requestError('RATE_LIMITED');
    metrics.requestError('BAD_REQUEST');
    metrics.upgradeRefused('origin');
    const text = await metrics.render();
    expect(sampleValue(text, 'tokenbridge_request_errors_total', { code: 'RATE_LIMITED' })).toBe(2);
    expect(sampleValue(text, 'tokenbridge_request_errors_total', { code: 'BAD_REQUEST' })).toBe(1);
    expect(
      sampleValue(text, 'tokenbridge_websocket_upgrades_refused_total', { reason: 'origin' }),
    ).toBe(1);
  });

  test('reads the client count at each scrape, from every source', async () => {
    const metrics = new DaemonMetrics();
    let n = 3;
    metrics.countClients(() => n);
    metrics.countClients(() => 1);
    expect(sampleValue(await metrics.render(), 'tokenbridge_websocket_clients')).toBe(4);
    n = 0;
    expect(sampleValue(await metrics.render(), 'tokenbridge_websocket_clients')).toBe(1);
  });

  test('build info carries the version', async () => {
    const text = await new DaemonMetrics({ version: '1.2.3' }).render();
    expect(sampleValue(text, 'tokenbridge_build_info', { version: '1.2.3' })).toBe(1);
  });

  test('follows a real device manager: attach, OTP presses by format, detach', async () => {
    const { bus, tokens } = virtualBus(
      'hotp:serial=700001,pacing=0',
      'yubico:serial=700002,pacing=0',
    );
    const { manager, log } = makeManager([bus]);
    const metrics = new DaemonMetrics();
    metrics.attachDevices(manager);
    await manager.start();
    let text = await metrics.render();
    expect(sampleValue(text, 'tokenbridge_devices_attached', { driver: 'virtual' })).toBe(2);

    await tokens[0]!.press();
    await tokens[0]!.press();
    await tokens[1]!.press();
    await log.waitFor('otp', () => true, 3);
    text = await metrics.render();
    expect(sampleValue(text, 'tokenbridge_otps_captured_total', { format: 'oath-hotp' })).toBe(2);
    expect(sampleValue(text, 'tokenbridge_otps_captured_total', { format: 'yubico' })).toBe(1);

    tokens[0]!.unplug();
    await log.waitFor('detached');
    text = await metrics.render();
    expect(sampleValue(text, 'tokenbridge_devices_attached', { driver: 'virtual' })).toBe(1);
  });

  test('counts devices already attached when it starts following, and forgets them when it stops', async () => {
    const { bus } = virtualBus('hotp:serial=700003');
    const { manager } = makeManager([bus]);
    await manager.start();
    const metrics = new DaemonMetrics();
    const stop = metrics.attachDevices(manager);
    expect(
      sampleValue(await metrics.render(), 'tokenbridge_devices_attached', { driver: 'virtual' }),
    ).toBe(1);
    stop();
    expect(
      sampleValue(await metrics.render(), 'tokenbridge_devices_attached', { driver: 'virtual' }),
    ).toBeUndefined();
  });
});
