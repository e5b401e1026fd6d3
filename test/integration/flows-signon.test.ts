import { httpGet } from '../helpers/http';
import { RFC4226_SECRET_ASCII } from '../vectors/rfc4226';
import { hotpToken, importTokens } from '../unit/tokens/registry-fixtures';
import { startFlowServer, type FlowServer } from '../unit/flows/flow-server-rig';

const RFC_SECRET_HEX = Buffer.from(RFC4226_SECRET_ASCII, 'ascii').toString('hex');
const HOTP_SPEC = `hotp:serial=5000001,secret=${RFC_SECRET_HEX},pacing=0`;
const ALICE = 'alice@example.com';

let daemon: FlowServer;
afterEach(async () => {
  await daemon.stop();
});

async function pairedDaemon(): Promise<FlowServer> {
  daemon = await startFlowServer({ tokens: [hotpToken('5000001')], specs: [HOTP_SPEC] });
  await daemon.store.pair('5000001', ALICE, { source: 'test' });
  return daemon;
}

async function getJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const reply = await httpGet({ port, path });
  return { status: reply.status, body: JSON.parse(reply.body) as unknown };
}

describe('sign-on and unpairing over the WebSocket API', () => {
  test('a button press signs on; the session token then unpairs the token', async () => {
    await pairedDaemon();
    const { client } = await daemon.connect();
    const typed = daemon.tokens[0]!.press();
    const otp = (await client.event('otp')).otp as string;
    await typed;
    const signOn = await client.request('signon.verify', { user: ALICE, passcode: otp });
    expect(signOn).toMatchObject({ ok: true, result: 'accepted' });
    const sessionToken = signOn.sessionToken as string;
    expect(sessionToken).toMatch(/^[A-Za-z0-9_-]{32}$/);

    // The same press cannot sign on twice.
    expect(await client.request('signon.verify', { user: ALICE, passcode: otp })).toMatchObject({
      ok: true,
      result: 'rejected',
      reason: 'replayed',
    });

    // Another connection, not signed on, may not unpair.
    const other = (await daemon.connect()).client;
    expect(
      await other.request('token.unpair', { user: ALICE, serial: '5000001', sessionToken }),
    ).toMatchObject({ ok: false, error: { code: 'NOT_SIGNED_ON' } });

    expect(
      await client.request('token.unpair', { user: ALICE, serial: '5000001', sessionToken }),
    ).toMatchObject({ ok: true, unpaired: true, user: ALICE, serial: '5000001' });
    expect((await daemon.store.get('5000001'))?.user).toBeNull();
    const unpaired = await daemon.store.audit({ event: 'unpaired' });
    expect(unpaired.map((e) => [e.user, e.source])).toEqual([[ALICE, 'ws:unpair']]);
  });

  test('signed on as alice, unpairing a token that is not hers is TOKEN_NOT_FOUND', async () => {
    await pairedDaemon();
    await importTokens(daemon.store, [hotpToken('7000001')]);
    await daemon.store.pair('7000001', 'bob', { source: 'test' });
    const { client } = await daemon.connect();
    const signOn = await client.request('signon.verify', { user: ALICE, passcode: '755224' });
    expect(
      await client.request('token.unpair', {
        user: ALICE,
        serial: '7000001',
        sessionToken: signOn.sessionToken,
      }),
    ).toMatchObject({ ok: false, error: { code: 'TOKEN_NOT_FOUND' } });
    expect((await daemon.store.get('7000001'))?.user).toBe('bob');
  });

  test('a wrong code and an unknown user get answers of the same shape', async () => {
    await pairedDaemon();
    const { client } = await daemon.connect();
    const strip = ({ id: _i, ...rest }: Record<string, unknown>) => rest;
    const real = strip(await client.request('signon.verify', { user: ALICE, passcode: '918273' }));
    const unknown = strip(
      await client.request('signon.verify', { user: 'nobody@example.com', passcode: '918273' }),
    );
    expect(real).toEqual({
      ok: true,
      result: 'rejected',
      reason: 'wrong-passcode',
      attemptsLeft: 2,
    });
    expect(unknown).toEqual(real);
    expect(await daemon.verifications()).toEqual({ 'sign-on:rejected': 2 });
  });

  test('devices come and go as events; health counts them and checks the store', async () => {
    await pairedDaemon();
    const { client } = await daemon.connect();
    expect(await getJson(daemon.port, '/healthz')).toMatchObject({
      status: 200,
      body: { ok: true, devices: 1, store: 'ok' },
    });
    daemon.tokens[0]!.unplug();
    expect(await client.event('device.detached')).toMatchObject({
      device: { driver: 'virtual', serial: '5000001' },
    });
    daemon.tokens[0]!.plug();
    expect(await client.event('device.attached')).toMatchObject({
      device: { driver: 'virtual', serial: '5000001', model: expect.any(String) },
    });
    expect(await client.request('devices.list')).toMatchObject({
      ok: true,
      devices: [{ serial: '5000001' }],
    });
  });
});
