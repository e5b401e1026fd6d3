import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, open, startServer, type Harness } from './server-harness';

describe('limits', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.server.close();
    h = undefined;
  });

  test('over the rate: RATE_LIMITED replies, then a close with 1008 at the hard cap', async () => {
    // A rate so slow no token refills during the test.
    h = await startServer({ ratePerSec: 0.001, burst: 2, hardCap: 3 });
    const client = await open(h.port);
    await client.next();
    for (let i = 0; i < 2; i++)
      expect(await client.request({ id: i, type: 'ping' })).toMatchObject({ ok: true });
    // Refused frames are answered under their own id when they have a readable one.
    client.send({ id: 'late', type: 'ping' });
    client.send('{"id":7,"type":"ping"'); // cut short: no readable id
    for (let i = 10; i < 20; i++) client.send({ id: i, type: 'ping' });
    for (const id of ['late', null, 10])
      expect(await client.next()).toEqual({
        id,
        ok: false,
        error: { code: 'RATE_LIMITED', message: expect.any(String) },
      });
    expect(await client.closed).toEqual({ code: 1008 });
  });

  test('a peer that stops answering pings is terminated by the heartbeat', async () => {
    // Long enough that a loaded machine still gets the lively peer's pong back within one beat.
    h = await startServer({ heartbeatMs: 500 });
    const silent = await open(h.port, { autoPong: false });
    const lively = await open(h.port);
    await silent.next();
    await lively.next();
    const { code } = await silent.closed;
    expect(code).toBe(1006); // terminated: no close frame
    expect(await lively.request({ id: 1, type: 'ping' })).toEqual({ id: 1, ok: true, pong: true });
    await lively.close();
  });

  test('connections over the cap are refused with 503', async () => {
    h = await startServer({ maxConnections: 2 });
    const a = await open(h.port);
    const b = await open(h.port);
    expect(await connect(h.port, { origin: h.origin })).toEqual({ status: 503 });
    await a.close();
    await b.close();
  });
});

describe('static page', () => {
  test('serves files from the configured directory and nothing outside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-page-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>tokenbridge</title>');
    const h = await startServer({}, { staticDir: dir });
    try {
      const page = await fetch(`${h.origin}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('tokenbridge');
      expect((await fetch(`${h.origin}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
      expect((await fetch(`${h.origin}/missing.js`)).status).toBe(404);
    } finally {
      await h.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
