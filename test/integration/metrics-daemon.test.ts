import { httpGet } from '../helpers/http';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { parseVirtualSpec, VirtualToken } from '../../drivers/virtual';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { sampleValue } from '../unit/metrics/exposition';

let t: TestDaemon | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const get = (port: number, path: string) => httpGet({ port, path });

describe('the whole daemon, watched from outside', () => {
  test('/metrics counts an attached token, a connected client and a captured OTP', async () => {
    t = await startTestDaemon();
    const token = new VirtualToken(parseVirtualSpec('hotp:serial=7700001,pacing=0'));
    const attached = new Promise((resolve) => t!.daemon.devices.on('attached', resolve));
    t.virtual.attach(token);
    await attached;
    const client = await t.connect();
    const otp = new Promise((resolve) => t!.daemon.devices.on('otp', resolve));
    await token.press();
    await otp;

    const { status, body } = await get(t.daemon.port, '/metrics');
    expect(status).toBe(200);
    expect(sampleValue(body, 'tokenbridge_devices_attached', { driver: 'virtual' })).toBe(1);
    expect(sampleValue(body, 'tokenbridge_websocket_clients')).toBe(1);
    expect(sampleValue(body, 'tokenbridge_otps_captured_total', { format: 'oath-hotp' })).toBe(1);
    expect(body).toMatch(/^tokenbridge_build_info\{version="[^"]+"\} 1$/m);
    expect(body).toMatch(/^process_resident_memory_bytes \d+/m);
    await client.close();
  });

  test('/healthz: drivers, devices and a writable store; 503 once the store file is gone', async () => {
    t = await startTestDaemon();
    let res = await get(t.daemon.port, '/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      ok: true,
      store: 'ok',
      storeWritable: true,
      devices: 0,
      drivers: [{ name: 'virtual', available: true }],
    });
    rmSync(join(t.dir, 'tokens.sqlite'));
    res = await get(t.daemon.port, '/healthz');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, storeWritable: false });
  });
});
