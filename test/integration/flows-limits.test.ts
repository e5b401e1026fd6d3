import { generateHotp } from '../../src/otp';
import { hotpToken, RFC_SEED } from '../unit/tokens/registry-fixtures';
import { startFlowServer, type FlowClient, type FlowServer } from '../unit/flows/flow-server-rig';

const USER = 'carol@example.com';
const CODE = generateHotp({ secret: RFC_SEED, algorithm: 'sha1', digits: 6 }, 0);
const serialOf = (i: number) => String(8_100_000 + i);

let daemon: FlowServer;
afterEach(() => daemon.stop());

async function pair(client: FlowClient, serial: string): Promise<Record<string, unknown>> {
  const { pairingId } = await client.request('pairing.start', { user: USER });
  await client.request('pairing.chooseHardwareToken', { pairingId });
  const step = await client.request('pairing.serial', { pairingId, serial });
  if (step.ok !== true) return step;
  return client.request('pairing.verify', { pairingId, passcode: CODE });
}

describe('the configured number of tokens per user is the one the whole daemon enforces', () => {
  test.each([7, 2])('users.maxTokensPerUser: %i allows exactly that many', async (limit) => {
    daemon = await startFlowServer({
      tokens: Array.from({ length: limit + 1 }, (_, i) => hotpToken(serialOf(i))),
      maxTokensPerUser: limit,
    });
    const { client } = await daemon.connect();
    for (let i = 0; i < limit; i++)
      expect([i, await pair(client, serialOf(i))]).toEqual([
        i,
        expect.objectContaining({ ok: true, result: 'accepted' }),
      ]);
    // One more is refused at the serial, before its passcode is used.
    expect(await pair(client, serialOf(limit))).toMatchObject({
      ok: false,
      error: { code: 'USER_TOKEN_LIMIT', message: expect.stringContaining(`${limit} tokens`) },
    });
    expect((await daemon.store.get(serialOf(limit)))?.counter).toBe(0);
    expect(await daemon.store.tokensOf(USER)).toHaveLength(limit);
  });
});
