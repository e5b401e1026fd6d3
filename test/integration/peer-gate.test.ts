import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVirtualSpec, VirtualToken } from '../../drivers/virtual';
import { ApiClient } from '../helpers/api-client';
import { OutputWatch } from '../helpers/output-watch';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { account, AS_ROOT, NOT_ROOT_REASON, PeerClient } from '../helpers/other-user';
import { recordingLogger, type LogEntry } from '../unit/devices/manager-rig';
import { sampleValue } from '../unit/metrics/exposition';
import { hotpToken, importTokens, RFC_SEED } from '../unit/tokens/registry-fixtures';
import type { ConfigLayer } from '../../src/config';

const SEED_HEX = Buffer.from(RFC_SEED).toString('hex');
const ALICE = 'alice@example.com';
const nobody = AS_ROOT ? account('nobody') : undefined;
const daemonUser = AS_ROOT ? account('daemon') : undefined;

let daemon: TestDaemon | undefined;
let token: VirtualToken;
let entries: LogEntry[] = [];
const clients: PeerClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await daemon?.stop();
  daemon = undefined;
});

/** A daemon (this process, root) with the RFC 4226 HOTP token plugged in and paired to alice. */
async function seatDaemon(config: ConfigLayer = {}): Promise<TestDaemon> {
  const rec = recordingLogger();
  entries = rec.entries;
  token = new VirtualToken(parseVirtualSpec(`hotp:serial=5000001,secret=${SEED_HEX},pacing=0`));
  daemon = await startTestDaemon({ config, tokens: [token], logger: rec.logger });
  await importTokens(daemon.daemon.store, [hotpToken('5000001')]);
  await daemon.daemon.store.pair('5000001', ALICE, { source: 'test' });
  return daemon;
}

function client(who: { name: string; uid: number; gid: number }, ...args: string[]): PeerClient {
  const c = new PeerClient(who, args);
  clients.push(c);
  return c;
}

const pageOrigin = (d: TestDaemon) => `http://127.0.0.1:${d.daemon.port}`;

(AS_ROOT ? describe : describe.skip)(
  `the peer-user gate, with clients under other uids${AS_ROOT ? '' : ` (${NOT_ROOT_REASON})`}`,
  () => {
    test('nobody gets 403 for the page, /healthz and the WebSocket, and each refusal logs its uid', async () => {
      const d = await seatDaemon();
      for (const path of ['/', '/healthz'])
        expect(
          await client(nobody!, 'http', `${d.daemon.url.replace(/\/$/, '')}${path}`).line(0),
        ).toEqual({
          status: 403,
          body: 'tokenbridge: this user may not connect to this daemon\n',
        });
      expect(await client(nobody!, 'ws', d.daemon.wsUrl, pageOrigin(d)).line(0)).toEqual({
        status: 403,
      });
      const refusals = entries.filter((e) => e.msg === 'connection refused: peer user not allowed');
      expect(refusals).toHaveLength(3);
      for (const r of refusals)
        expect(r.obj).toMatchObject({ uid: nobody!.uid, reason: 'user not allowed' });
      expect(
        sampleValue(await d.daemon.metrics.render(), 'tokenbridge_connections_refused_total', {
          reason: 'user not allowed',
        }),
      ).toBe(3);
      // Nothing got as far as the HTTP server or the WebSocket: no client, no upgrade log.
      expect(d.daemon.server.connectionCount).toBe(0);
      expect(entries.filter((e) => e.msg === 'websocket upgrade refused')).toEqual([]);
      // The daemon's own user (this process) is admitted as before.
      const own = await d.connect();
      expect(await own.request('ping')).toMatchObject({ ok: true, pong: true });
    });

    test("the attack of issue 11: a nobody client neither receives the seat user's OTPs nor locks the token", async () => {
      const d = await seatDaemon();
      const seat = await d.connect();
      const wrong = ['000000', '111111', '222222'].map((passcode) => ({ user: ALICE, passcode }));
      const attacker = client(nobody!, 'ws', d.daemon.wsUrl, pageOrigin(d), JSON.stringify(wrong));
      const first = await attacker.line(0);
      if (first.open) attacker.go(); // on a daemon without the gate: let it show what it got
      expect(first).toEqual({ status: 403 });

      await token.press();
      const otp = (await seat.nextEvent('otp')).otp as string;
      expect(otp).toMatch(/^\d{6}$/);
      expect(await attacker.exited).toBe(0);
      expect(attacker.out.text.trim().split('\n')).toEqual(['{"status":403}']);
      const record = await d.daemon.store.get('5000001');
      expect(record).toMatchObject({ failCount: 0, lockedUntil: null });
      expect(await seat.request('signon.verify', { user: ALICE, passcode: otp })).toMatchObject({
        result: 'accepted',
      });
    });

    test('Set up this token is behind the same gate: a nobody client cannot program a blank key', async () => {
      const rec = recordingLogger();
      entries = rec.entries;
      const blank = new VirtualToken(parseVirtualSpec('blank:serial=6300011,pacing=0'));
      daemon = await startTestDaemon({ tokens: [blank], logger: rec.logger });
      const d = daemon;
      const written = blank.programmingSequence;
      const attacker = client(
        nobody!,
        'ws',
        d.daemon.wsUrl,
        pageOrigin(d),
        JSON.stringify({ setup: 'mallory' }),
      );
      const first = await attacker.line(0);
      if (first.open) attacker.go(); // on a daemon without the gate: let it show what it got
      expect(first).toEqual({ status: 403 });
      expect(await attacker.exited).toBe(0);
      expect(attacker.out.text.trim().split('\n')).toEqual(['{"status":403}']);
      // The key is as it was: blank, unregistered, nothing programmed; the seat is offered it.
      expect(blank.programmingSequence).toBe(written);
      expect(blank.programmedSlots()).toEqual([null, null]);
      expect(await d.daemon.store.get('6300011')).toBeNull();
      expect(await d.daemon.store.audit({ event: 'programmed' })).toEqual([]);
      const seat = await d.connect();
      const { pairingId } = (await seat.request('pairing.start', { user: ALICE })) as {
        pairingId: string;
      };
      expect(await seat.request('pairing.chooseHardwareToken', { pairingId })).toMatchObject({
        step: 'serial',
        setupOffer: { serial: '6300011' },
      });
    });

    test.each([
      ['::1', '[::1]'],
      ['::', '127.0.0.1'],
    ])(
      'listening on %s, a client via %s is judged by its own socket (tcp6 and mapped rows)',
      async (host, via) => {
        const d = await seatDaemon({ server: { host } });
        const page = `http://${via}:${d.daemon.port}`;
        const ws = `ws://${via}:${d.daemon.port}/ws`;
        expect(await client(nobody!, 'ws', ws, page).line(0)).toEqual({ status: 403 });
        const own = await ApiClient.open(ws, page);
        expect(await own.request('ping')).toMatchObject({ ok: true, pong: true });
        await own.close();
      },
    );

    test('allowUsers admits the user it names (daemon, uid 1) and no one else', async () => {
      const d = await seatDaemon({ server: { allowUsers: ['daemon'] } });
      const admitted = client(daemonUser!, 'ws', d.daemon.wsUrl, pageOrigin(d));
      expect(await admitted.line(0)).toEqual({ open: true });
      expect(await client(nobody!, 'ws', d.daemon.wsUrl, pageOrigin(d)).line(0)).toEqual({
        status: 403,
      });
    });

    test('allowGroups admits members by their primary group (nobody in nogroup), by gid too', async () => {
      for (const group of ['nogroup', String(nobody!.gid)]) {
        const d = await seatDaemon({ server: { allowGroups: [group] } });
        expect(await client(nobody!, 'ws', d.daemon.wsUrl, pageOrigin(d)).line(0)).toEqual({
          open: true,
        });
        expect(await client(daemonUser!, 'ws', d.daemon.wsUrl, pageOrigin(d)).line(0)).toEqual({
          status: 403,
        });
        await Promise.all(clients.splice(0).map((c) => c.stop()));
        await d.stop();
        daemon = undefined;
      }
    });

    test('allowGroups admits a member by a supplementary group (a user and group made for the test)', async () => {
      const group = `tbseat${process.pid}`;
      const user = `tbkiosk${process.pid}`;
      execFileSync('groupadd', [group]);
      try {
        execFileSync('useradd', ['-M', '-N', '-G', group, '-s', '/usr/sbin/nologin', user]);
        try {
          const kiosk = account(user);
          const d = await seatDaemon({ server: { allowGroups: [group] } });
          expect(await client(kiosk, 'ws', d.daemon.wsUrl, pageOrigin(d)).line(0)).toEqual({
            open: true,
          });
          expect(await client(nobody!, 'ws', d.daemon.wsUrl, pageOrigin(d)).line(0)).toEqual({
            status: 403,
          });
        } finally {
          await Promise.all(clients.splice(0).map((c) => c.stop()));
          execFileSync('userdel', [user]);
        }
      } finally {
        execFileSync('groupdel', [group]);
      }
    });

    test('an unknown allowUsers name stops the daemon at start, naming it', async () => {
      await expect(
        startTestDaemon({ config: { server: { allowUsers: ['no-such-user-tb'] } } }),
      ).rejects.toThrow('server.allowUsers: no user named "no-such-user-tb" here');
    });
  },
);

describe('a daemon whose peer check cannot run', () => {
  test('refuses to start with uid checks on a platform without them', async () => {
    const { serverAccessOf } = await import('../../src/daemon/server-access');
    const { testConfig } = await import('../helpers/config');
    await expect(
      serverAccessOf(testConfig('/nonexistent', { server: { peerCheck: 'uid' } }), {
        os: 'darwin',
        uid: 501,
      }),
    ).rejects.toThrow('server.peerCheck "uid" needs Linux');
  });
});

(AS_ROOT ? describe : describe.skip)(
  `a daemon running as another user${AS_ROOT ? '' : ` (${NOT_ROOT_REASON})`}`,
  () => {
    let dir: string;
    let serve: ChildProcess | undefined;
    afterEach(async () => {
      if (serve && serve.exitCode === null) {
        const gone = new Promise((resolve) => serve!.once('exit', resolve));
        serve.kill('SIGTERM');
        await gone;
      }
      serve = undefined;
      rmSync(dir, { recursive: true, force: true });
    });

    test('admits its own user and refuses root: the rule is "the daemon\'s user", not "root"', async () => {
      dir = mkdtempSync(join(tmpdir(), 'tb-peer-serve-'));
      chownSync(dir, nobody!.uid, nobody!.gid);
      const root = join(__dirname, '..', '..');
      serve = spawn(
        process.execPath,
        [
          '-r',
          join(root, 'test', 'helpers', 'swc-register.cjs'),
          join(root, 'src', 'cli', 'main.ts'),
          'serve',
          '--port',
          '0',
          '--driver',
          'virtual',
          '--store',
          join(dir, 'tokens.sqlite'),
          '--key-file',
          join(dir, 'seed.key'),
          '--emulator-socket',
          join(dir, 'emulator.sock'),
        ],
        {
          uid: nobody!.uid,
          gid: nobody!.gid,
          cwd: dir,
          env: { PATH: process.env.PATH ?? '', HOME: dir },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      const out = new OutputWatch(serve.stdout!, serve.stderr!);
      serve.once('exit', (code) => out.end(`serve exited ${code}`));
      const url = (
        await out.until(/tokenbridge is ready: open (http:\/\/127\.0\.0\.1:\d+)\//, 20_000)
      )[1]!;
      const ws = `${url.replace(/^http/, 'ws')}/ws`;

      expect(await client(nobody!, 'ws', ws, url).line(0)).toEqual({ open: true });
      await expect(ApiClient.open(ws, url)).rejects.toThrow('upgrade refused: HTTP 403');
      await out.until(
        /"uid":0,"reason":"user not allowed".*connection refused: peer user not allowed/,
      );
    });
  },
);
