import { statSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { runTokenbridge } from '../helpers/cli';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { account, AS_ROOT, NOT_ROOT_REASON, PeerClient } from '../helpers/other-user';

const PORTAL = 'https://portal.example.com';

let daemon: TestDaemon;
afterEach(() => daemon.stop());

/** Opens a WebSocket offering `protocols`; resolves 101 or the refusal's status. */
function upgrade(url: string, origin: string, protocols: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { origin });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', reject);
  });
}

/** `tokenbridge url` against the daemon's configuration. */
async function url(d: TestDaemon, ...extra: string[]): Promise<Record<string, string>> {
  const result = await runTokenbridge([
    'url',
    '--json',
    '--peer-check',
    'capability',
    '--port',
    String(d.daemon.port),
    '--allow-origin',
    PORTAL,
    '--capability-file',
    join(d.dir, 'capability'),
    ...extra,
  ]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as Record<string, string>;
}

describe('the capability handshake', () => {
  test('the page needs its capability; another origin needs its own; the file is 0600', async () => {
    daemon = await startTestDaemon({
      config: { server: { peerCheck: 'capability', allowOrigins: [PORTAL] } },
    });
    const { dir } = daemon;
    const page = `http://127.0.0.1:${daemon.daemon.port}`;
    const ws = daemon.daemon.wsUrl;
    // testConfig keeps the state in the daemon's temp dir; the capability file sits there.
    expect(daemon.daemon.runtime.config.server.capabilityFile).toBe(join(dir, 'capability'));
    expect(statSync(join(dir, 'capability')).mode & 0o777).toBe(0o600);

    const own = await url(daemon);
    expect(own.url).toBe(`${page}/#capability=${own.capability}`);
    const portal = await url(daemon, '--origin', PORTAL);
    expect(portal.capability).not.toBe(own.capability);

    const offer = (cap: string) => ['tokenbridge.v1', `tokenbridge.capability.${cap}`];
    expect(await upgrade(ws, page, ['tokenbridge.v1'])).toBe(403);
    expect(await upgrade(ws, page, offer(own.capability!))).toBe(101);
    expect(await upgrade(ws, PORTAL, offer(portal.capability!))).toBe(101);
    // A capability is worth nothing to a page of another origin, and a wrong one is refused.
    expect(await upgrade(ws, PORTAL, offer(own.capability!))).toBe(403);
    expect(await upgrade(ws, page, offer(portal.capability!))).toBe(403);
    expect(await upgrade(ws, page, offer('A'.repeat(43)))).toBe(403);
    // The server selects the API protocol, never the capability.
    const client = new WebSocket(ws, offer(own.capability!), { origin: page });
    await new Promise((resolve) => client.once('open', resolve));
    expect(client.protocol).toBe('tokenbridge.v1');
    client.terminate();
  });

  test('url --origin refuses an origin the daemon does not allow; uid mode needs no capability', async () => {
    daemon = await startTestDaemon();
    const refused = await runTokenbridge([
      'url',
      '--peer-check',
      'capability',
      '--port',
      '7343',
      '--capability-file',
      join(daemon.dir, 'capability'),
      '--origin',
      'https://evil.example',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--origin https://evil.example: not an allowed origin');
    const plain = await runTokenbridge(['url', '--peer-check', 'uid', '--port', '7343']);
    expect(plain).toMatchObject({ code: 0, stdout: 'http://127.0.0.1:7343/\n' });
  });
});

(AS_ROOT ? describe : describe.skip)(
  `capability mode and other local users${AS_ROOT ? '' : ` (${NOT_ROOT_REASON})`}`,
  () => {
    test('nobody may fetch the page (it holds no secret) but not open the WebSocket', async () => {
      daemon = await startTestDaemon({ config: { server: { peerCheck: 'capability' } } });
      const nobody = account('nobody');
      const page = `http://127.0.0.1:${daemon.daemon.port}`;
      const get = new PeerClient(nobody, ['http', `${page}/healthz`]);
      expect(await get.line(0)).toMatchObject({ status: 200 });
      const ws = new PeerClient(nobody, ['ws', daemon.daemon.wsUrl, page]);
      expect(await ws.line(0)).toEqual({ status: 403 });
      await Promise.all([get.stop(), ws.stop()]);
    });
  },
);
