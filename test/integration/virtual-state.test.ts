import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from '../helpers/api-client';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { RFC4226_SECRET_HEX } from '../vectors/virtual';

const SPEC = `hotp:serial=6500001,secret=${RFC4226_SECRET_HEX},pacing=0`;
const ALICE = 'alice@example.com';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-vstate-daemon-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** `serve --virtual SPEC` on the same machine each time: its registry, key and state folder. */
function serve(extra: { virtualFresh?: boolean } = {}): Promise<TestDaemon> {
  return startTestDaemon({
    config: {
      store: { path: join(dir, 'tokens.sqlite'), keyFile: join(dir, 'seed.key') },
      drivers: { virtual: [SPEC], virtualStateDir: join(dir, 'virtual'), ...extra },
    },
  });
}

async function signOn(client: ApiClient, passcode: string): Promise<Record<string, unknown>> {
  return client.request('signon.verify', { user: ALICE, passcode });
}

describe('serve --virtual: the virtual token keeps its counter across a restart, as a key does', () => {
  test('pair, sign on, restart the daemon: the next press signs on, it is not "replayed"', async () => {
    let td = await serve();
    try {
      const [token] = td.daemon.virtualTokens;
      const client = await td.connect();
      const { pairingId } = (await client.request('pairing.start', { user: ALICE })) as {
        pairingId: string;
      };
      await client.request('pairing.chooseHardwareToken', { pairingId });
      await client.request('pairing.serial', { pairingId, serial: '6500001' });
      expect(
        await client.request('pairing.verify', { pairingId, passcode: await token!.press() }),
      ).toMatchObject({
        result: 'accepted',
      });
      expect(await signOn(client, await token!.press())).toMatchObject({ result: 'accepted' });
    } finally {
      await td.stop();
    }

    td = await serve();
    try {
      const [token] = td.daemon.virtualTokens;
      expect(token!.state.hotpCounter).toBe(2);
      const client = await td.connect();
      expect(await signOn(client, await token!.press())).toMatchObject({ result: 'accepted' });
    } finally {
      await td.stop();
    }
  });

  test('--fresh starts the token over from its spec: its first code is then a replay the registry refuses', async () => {
    let td = await serve();
    try {
      const [token] = td.daemon.virtualTokens;
      const client = await td.connect();
      const { pairingId } = (await client.request('pairing.start', { user: ALICE })) as {
        pairingId: string;
      };
      await client.request('pairing.chooseHardwareToken', { pairingId });
      await client.request('pairing.serial', { pairingId, serial: '6500001' });
      await client.request('pairing.verify', { pairingId, passcode: await token!.press() });
    } finally {
      await td.stop();
    }
    td = await serve({ virtualFresh: true });
    try {
      const [token] = td.daemon.virtualTokens;
      expect(token!.state.hotpCounter).toBe(0);
      const client = await td.connect();
      expect(await signOn(client, await token!.press())).toMatchObject({
        result: 'rejected',
        reason: 'replayed',
      });
    } finally {
      await td.stop();
    }
  });
});
