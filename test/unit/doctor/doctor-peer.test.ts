import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runningDaemonUrl } from '../../../src/cli/daemon-probe';
import { checkPeerAccess } from '../../../src/cli/doctor/peer';
import { checkPort } from '../../../src/cli/doctor/port';
import { PEER_REFUSED_BODY } from '../../../src/server';
import { testConfig } from '../../helpers/config';

const LINUX = { os: 'linux' as const, uid: process.getuid?.() ?? 0 };
const MAC = { os: 'darwin' as const, uid: 501 };

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tb-doctor-peer-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('doctor: who may connect', () => {
  test('Linux: by peer user, naming who is admitted', async () => {
    const result = await checkPeerAccess(
      testConfig(dir, { server: { allowUsers: ['daemon', '4242'], allowGroups: ['nogroup'] } }),
      LINUX,
    );
    expect(result).toMatchObject({ id: 'peer-check', status: 'ok' });
    expect(result.detail).toMatch(
      /own user; uid 1, 4242; members of gid 65534; everyone else gets 403/,
    );
  });

  test('a name that does not exist fails, naming the key and the name', async () => {
    const result = await checkPeerAccess(
      testConfig(dir, { server: { allowGroups: ['no-such-group-tb'] } }),
      LINUX,
    );
    expect(result).toMatchObject({
      status: 'fail',
      detail: 'server.allowGroups: no group named "no-such-group-tb" here',
    });
  });

  test('macOS and Windows: a warning that says the page needs the install capability', async () => {
    const result = await checkPeerAccess(testConfig(dir), MAC);
    expect(result.status).toBe('warn');
    expect(result.detail).toMatch(/cannot tell which local user connects \(darwin\)/);
    expect(result.fix).toMatch(/tokenbridge url/);
    const onLinux = await checkPeerAccess(testConfig(dir, { server: { peerCheck: 'uid' } }), MAC);
    expect(onLinux).toMatchObject({ status: 'fail', detail: expect.stringMatching(/needs Linux/) });
  });

  test('a capability file others can read fails', async () => {
    const file = join(dir, 'capability');
    writeFileSync(file, `${'A'.repeat(43)}\n`);
    chmodSync(file, 0o644);
    const result = await checkPeerAccess(
      testConfig(dir, { server: { peerCheck: 'capability' } }),
      LINUX,
    );
    expect(result).toMatchObject({ status: 'fail', fix: expect.stringContaining('chmod 600') });
    expect(result.detail).toMatch(/readable by group or others \(mode 0644\)/);
  });
});

/** A port held by a daemon whose peer check refuses this process's user. */
async function refusingDaemon(): Promise<{ server: Server; port: number }> {
  const server: Server = createServer((_req, res) => {
    res.statusCode = 403;
    res.end(PEER_REFUSED_BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

test('doctor: a port held by a daemon whose peer check refuses this user is named as such', async () => {
  const { server, port } = await refusingDaemon();
  try {
    expect(await checkPort('127.0.0.1', port)).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/tokenbridge daemon that does not admit this user/),
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('keys: a daemon that refuses this user still holds the keys', async () => {
  const { server, port } = await refusingDaemon();
  try {
    const config = testConfig(dir, { server: { host: '127.0.0.1', port } });
    expect(await runningDaemonUrl(config)).toBe(`http://127.0.0.1:${port}/`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
