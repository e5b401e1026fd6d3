import { open, startServer, type Harness, type TestClient } from './server-harness';

let h: Harness;
let client: TestClient;
beforeEach(async () => {
  h = await startServer();
  client = await open(h.port);
  await client.next(); // hello
});
afterEach(async () => {
  await client.close();
  await h.server.close();
});

describe('requests and replies', () => {
  test('hello carries the version, protocol, devices and capabilities', async () => {
    const other = await open(h.port);
    expect(await other.next()).toEqual({
      type: 'hello',
      protocol: 'tokenbridge.v1',
      version: '0.1.0',
      devices: h.backend.devices,
      capabilities: { pairing: true, tapPairing: true, setup: false },
    });
    await other.close();
  });

  test('each reply echoes its request id, string or integer', async () => {
    expect(await client.request({ id: 'abc', type: 'ping' })).toEqual({
      id: 'abc',
      ok: true,
      pong: true,
    });
    expect(await client.request({ id: 42, type: 'devices.list' })).toEqual({
      id: 42,
      ok: true,
      devices: h.backend.devices,
    });
  });

  test('the pairing walk: start, choose, serial, verify', async () => {
    client.send({ id: 1, type: 'pairing.start', user: 'alice' });
    // The reply, and the flow event for this connection's pairing (addressed to it alone).
    const both = [await client.next(), await client.next()];
    expect(both).toContainEqual({ id: 1, ok: true, pairingId: 'pair-0001', step: 'choose-device' });
    expect(both).toContainEqual({
      type: 'pairing.state',
      pairingId: 'pair-0001',
      step: 'choose-device',
    });
    const pairingId = 'pair-0001';
    expect(
      await client.request({ id: 2, type: 'pairing.chooseHardwareToken', pairingId }),
    ).toMatchObject({
      step: 'serial',
      serial: '5000001',
    });
    expect(
      await client.request({ id: 3, type: 'pairing.serial', pairingId, serial: '5000001' }),
    ).toMatchObject({
      step: 'verification',
    });
    expect(
      await client.request({ id: 4, type: 'pairing.verify', pairingId, passcode: '287082' }),
    ).toEqual({
      id: 4,
      ok: true,
      result: 'needs-next-passcode',
    });
    expect(
      await client.request({ id: 5, type: 'pairing.sync', pairingId, passcode: '755224' }),
    ).toMatchObject({
      id: 5,
      result: 'accepted',
    });
  });

  test('a backend refusal keeps its stable code', async () => {
    expect(
      await client.request({
        id: 7,
        type: 'pairing.serial',
        pairingId: 'pair-0001',
        serial: '999',
      }),
    ).toEqual({ id: 7, ok: false, error: { code: 'TOKEN_NOT_FOUND', message: 'no token 999' } });
  });

  test('an unexpected failure becomes INTERNAL without internals', async () => {
    const reply = await client.request({ id: 8, type: 'pairing.start', user: 'boom' });
    expect(reply).toEqual({
      id: 8,
      ok: false,
      error: { code: 'INTERNAL', message: 'internal error' },
    });
    expect(JSON.stringify(reply)).not.toContain('secret');
  });

  test('a wrong passcode is an outcome, not an error', async () => {
    expect(
      await client.request({ id: 9, type: 'signon.verify', user: 'bob', passcode: '000000' }),
    ).toEqual({
      id: 9,
      ok: true,
      result: 'rejected',
      reason: 'wrong-passcode',
      attemptsLeft: 2,
    });
  });
});

describe('unpairing', () => {
  const unpair = { type: 'token.unpair', user: 'bob', serial: '5000001' };

  test('is refused before a sign-on on this connection', async () => {
    expect(await client.request({ id: 1, ...unpair })).toMatchObject({
      ok: false,
      error: { code: 'NOT_SIGNED_ON' },
    });
    expect(h.backend.unpaired).toEqual([]);
  });

  test('works after a sign-on with the issued session token, and not with another', async () => {
    await client.request({ id: 1, type: 'signon.verify', user: 'bob', passcode: '755224' });
    expect(
      await client.request({ id: 2, ...unpair, sessionToken: 'sess_wrongwrongwrong' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_SIGNED_ON' },
    });
    expect(
      await client.request({ id: 3, ...unpair, sessionToken: 'sess_abcdefghijklmnop' }),
    ).toEqual({
      id: 3,
      ok: true,
      unpaired: true,
      user: 'bob',
      serial: '5000001',
    });
    expect(h.backend.unpaired).toEqual(['bob/5000001']);
  });

  test('a sign-on on another connection does not count', async () => {
    const other = await open(h.port);
    await other.next();
    await other.request({ id: 1, type: 'signon.verify', user: 'bob', passcode: '755224' });
    expect(await client.request({ id: 2, ...unpair })).toMatchObject({ ok: false });
    await other.close();
  });
});

describe('bad frames', () => {
  test.each<[string, string | Buffer, string, unknown]>([
    ['garbage JSON', '{"id":1,', 'INVALID_JSON', null],
    ['an unknown type', '{"id":5,"type":"seeds.dump"}', 'UNKNOWN_TYPE', 5],
    ['an invalid field', '{"id":6,"type":"pairing.start","user":""}', 'INVALID_MESSAGE', 6],
    ['a binary frame', Buffer.from([1, 2, 3]), 'BINARY_FRAME', null],
  ])(
    '%s gets an error reply and the connection still answers a ping',
    async (_n, frame, code, id) => {
      client.send(frame);
      expect(await client.next()).toMatchObject({ id, ok: false, error: { code } });
      expect(await client.request({ id: 'after', type: 'ping' })).toEqual({
        id: 'after',
        ok: true,
        pong: true,
      });
    },
  );

  test('a frame over 64 KiB closes the connection with 1009', async () => {
    client.send(JSON.stringify({ id: 1, type: 'pairing.start', user: 'x'.repeat(70 * 1024) }));
    expect(await client.closed).toEqual({ code: 1009 });
  });
});

describe('fan-out', () => {
  test('an event reaches each of 3 clients exactly once', async () => {
    const others = [await open(h.port), await open(h.port)];
    for (const o of others) await o.next();
    const all = [client, ...others];
    const event = {
      type: 'otp',
      deviceId: 'd1',
      serial: '5000001',
      format: 'oath-hotp',
      otp: '755224',
    } as const;
    h.backend.emit(event);
    h.backend.emit({ type: 'device.detached', device: h.backend.devices[0]! });
    for (const c of all) {
      expect(await c.next()).toEqual(event);
      // The next message is the second event: the first was not delivered twice.
      expect(await c.next()).toMatchObject({ type: 'device.detached' });
    }
    for (const o of others) await o.close();
  });

  test('a flow event addressed to one connection reaches only that one', async () => {
    const other = await open(h.port);
    await other.next();
    client.send({ id: 1, type: 'pairing.start', user: 'alice' });
    const both = [await client.next(), await client.next()];
    expect(both).toContainEqual(expect.objectContaining({ type: 'pairing.state' }));
    expect(await other.request({ id: 2, type: 'ping' })).toEqual({ id: 2, ok: true, pong: true });
    await other.close();
  });
});

describe('lifecycle', () => {
  test('close() says 1001 to clients and the backend hears the connection went away', async () => {
    await h.server.close();
    expect(await client.closed).toEqual({ code: 1001 });
    expect(h.backend.closed).toHaveLength(1);
  });
});
