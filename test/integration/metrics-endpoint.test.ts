import { httpGet } from '../helpers/http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/logger';
import { DaemonMetrics } from '../../src/daemon/metrics';
import { createHealthContributor } from '../../src/daemon/metrics-health';
import { serverAccessOf } from '../../src/daemon/server-access';
import { serverOptionsOf } from '../../src/daemon/server-options';
import { testConfig } from '../helpers/config';
import { DeviceManager } from '../../src/devices';
import { createServer, type BridgeServer, type ServerOptions } from '../../src/server';
import type { SqliteTokenStore } from '../../src/tokens';
import { parseVirtualSpec, VirtualDriver, VirtualToken } from '../../drivers/virtual';
import { FAST } from '../unit/devices/manager-rig';
import { openStore, tempDir } from '../unit/tokens/registry-fixtures';
import { sampleValue } from '../unit/metrics/exposition';
import { connect, open, TestBackend } from './server-harness';

interface Rig {
  server: BridgeServer;
  port: number;
  metrics: DaemonMetrics;
  store: SqliteTokenStore;
  storePath: string;
  manager: DeviceManager;
  bus: VirtualDriver;
  close(): Promise<void>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.close()));
});

/** A real server over the test backend, with the daemon's metrics and health wired as daemon.ts does. */
async function start(extra: Partial<ServerOptions> = {}): Promise<Rig> {
  const { dir, cleanup } = tempDir();
  const store = openStore(dir);
  const storePath = join(dir, 'store.sqlite');
  const bus = new VirtualDriver();
  bus.attach(new VirtualToken(parseVirtualSpec('hotp:serial=810001,pacing=0')));
  const manager = new DeviceManager({ drivers: [bus], logger: silentLogger(), ...FAST });
  const metrics = new DaemonMetrics();
  const stopFollowing = metrics.attachDevices(manager);
  await manager.start();
  const server = createServer({
    ...serverOptionsOf(testConfig(dir)),
    access: await serverAccessOf(testConfig(dir)),
    backend: new TestBackend(),
    logger: silentLogger(),
    metrics,
    observer: metrics,
    health: createHealthContributor({ devices: manager, store }),
    ...extra,
  });
  metrics.countClients(() => server.connectionCount);
  const { port } = await server.listen();
  const rig: Rig = {
    server,
    port,
    metrics,
    store,
    storePath,
    manager,
    bus,
    close: async () => {
      await server.close();
      stopFollowing();
      await manager.stop();
      await bus.dispose();
      store.closeSync();
      cleanup();
    },
  };
  rigs.push(rig);
  return rig;
}

async function get(port: number, path: string, host = `127.0.0.1:${port}`, method = 'GET') {
  const reply = await httpGet({ port, path, method, headers: { host } });
  return { status: reply.status, type: String(reply.headers['content-type']), body: reply.body };
}

describe('GET /metrics', () => {
  test('answers the Prometheus text format with the registry content type', async () => {
    const rig = await start();
    const res = await get(rig.port, '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toBe(rig.metrics.contentType);
    expect(res.body).toContain('# TYPE tokenbridge_verifications_total counter');
    expect(sampleValue(res.body, 'tokenbridge_devices_attached', { driver: 'virtual' })).toBe(1);
  });

  test.each([['evil.example'], ['127.0.0.1.evil.example:80'], ['localhost']])(
    'refuses Host %s with 403, like every request (DNS rebinding)',
    async (host) => {
      const rig = await start();
      const res = await get(rig.port, '/metrics', host);
      expect(res.status).toBe(403);
      expect(res.body).not.toContain('tokenbridge_');
    },
  );

  test('HEAD gets the headers without the body; POST is refused', async () => {
    const rig = await start();
    const head = await get(rig.port, '/metrics', `127.0.0.1:${rig.port}`, 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.type).toBe(rig.metrics.contentType);
    expect((await get(rig.port, '/metrics', `127.0.0.1:${rig.port}`, 'POST')).status).toBe(405);
  });

  test('is a 404 when the server was given no metrics', async () => {
    const rig = await start({ metrics: undefined });
    expect((await get(rig.port, '/metrics')).status).toBe(404);
  });

  test('counts the WebSocket clients connected at scrape time', async () => {
    const rig = await start();
    const a = await open(rig.port);
    const b = await open(rig.port);
    await a.next();
    await b.next();
    let body = (await get(rig.port, '/metrics')).body;
    expect(sampleValue(body, 'tokenbridge_websocket_clients')).toBe(2);
    await a.close();
    await b.close();
    body = (await get(rig.port, '/metrics')).body;
    expect(sampleValue(body, 'tokenbridge_websocket_clients')).toBe(0);
  });

  test('counts request errors by their stable code, from real frames', async () => {
    const rig = await start();
    const client = await open(rig.port);
    await client.next(); // hello
    client.send('{not json');
    const bad = await client.next();
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_JSON' } });
    const unknown = await client.request({
      id: 1,
      type: 'pairing.serial',
      pairingId: 'pair-0001',
      serial: '999',
    });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'TOKEN_NOT_FOUND' } });
    const fine = await client.request({ id: 2, type: 'ping' });
    expect(fine).toMatchObject({ ok: true });
    await client.close();
    const body = (await get(rig.port, '/metrics')).body;
    expect(sampleValue(body, 'tokenbridge_request_errors_total', { code: 'INVALID_JSON' })).toBe(1);
    expect(sampleValue(body, 'tokenbridge_request_errors_total', { code: 'TOKEN_NOT_FOUND' })).toBe(
      1,
    );
  });

  test('counts refused upgrades by reason', async () => {
    const rig = await start();
    expect(await connect(rig.port, { origin: 'https://evil.example' })).toEqual({ status: 403 });
    expect(
      await connect(rig.port, { origin: `http://127.0.0.1:${rig.port}`, host: 'evil.example' }),
    ).toEqual({ status: 403 });
    const body = (await get(rig.port, '/metrics')).body;
    expect(
      sampleValue(body, 'tokenbridge_websocket_upgrades_refused_total', { reason: 'origin' }),
    ).toBe(1);
    expect(
      sampleValue(body, 'tokenbridge_websocket_upgrades_refused_total', { reason: 'host' }),
    ).toBe(1);
  });
});

describe('GET /healthz with the daemon contributor', () => {
  test('lists each driver with its availability, the devices attached and a writable store', async () => {
    const rig = await start();
    const res = await get(rig.port, '/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      ok: true,
      drivers: [{ name: 'virtual', available: true, hotplug: 'events' }],
      devices: 1,
      storeWritable: true,
      registry: { ok: true, kind: 'sqlite' },
    });
  });

  test('is 503 when the store can no longer be read, saying why without a path', async () => {
    const rig = await start();
    rig.store.closeSync();
    const res = await get(rig.port, '/healthz');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({
      ok: false,
      storeWritable: false,
      registry: { ok: false, kind: 'sqlite', code: 'STORE_IO' },
    });
    expect(res.body).not.toContain(rig.storePath);
  });

  test('is 503 when the store file is gone from under the daemon', async () => {
    const rig = await start();
    rmSync(rig.storePath);
    const res = await get(rig.port, '/healthz');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, storeWritable: false });
  });

  test('is 503 when the backend reports its store in error', async () => {
    const backend = new TestBackend();
    backend.health = () => ({ devices: 1, store: 'error' }) as never;
    const rig = await start({ backend });
    const res = await get(rig.port, '/healthz');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, store: 'error' });
  });

  test('still answers 403 to a foreign Host', async () => {
    const rig = await start();
    expect((await get(rig.port, '/healthz', 'evil.example')).status).toBe(403);
  });
});
