import { httpGet } from '../helpers/http';
import { connect, startServer, type Harness } from './server-harness';

let h: Harness;
beforeAll(async () => {
  h = await startServer({}, { allowOrigins: ['https://portal.example.com'] });
});
afterAll(() => h.server.close());

describe('the upgrade gate', () => {
  test.each<[string, (port: number) => Parameters<typeof connect>[1]]>([
    ['a foreign origin', () => ({ origin: 'https://evil.example' })],
    [
      'a look-alike origin with our name as a subdomain',
      (p) => ({ origin: `http://127.0.0.1.evil.com:${p}` }),
    ],
    [
      'a look-alike origin with our port in the name',
      (p) => ({ origin: `http://localhost:${p}.evil.com` }),
    ],
    ['our origin with a longer port', (p) => ({ origin: `http://localhost:${p}0` })],
    ['our origin over https', (p) => ({ origin: `https://127.0.0.1:${p}` })],
    ['our origin with a trailing slash', (p) => ({ origin: `http://127.0.0.1:${p}/` })],
    [
      'an allowed origin with userinfo tricks',
      () => ({ origin: 'https://portal.example.com@evil.com' }),
    ],
    ['a suffix of an allowed origin', () => ({ origin: 'https://portal.example.com.evil.com' })],
    ['the null origin', () => ({ origin: 'null' })],
    ['a missing origin', () => ({})],
    ['a rebinding Host', (p) => ({ origin: `http://127.0.0.1:${p}`, host: `evil.com:${p}` })],
    [
      'a loopback Host with another port',
      (p) => ({ origin: `http://127.0.0.1:${p}`, host: `127.0.0.1:${p + 1}` }),
    ],
    ['a Host without a port', (p) => ({ origin: `http://127.0.0.1:${p}`, host: '127.0.0.1' })],
    [
      'a wrong subprotocol',
      (p) => ({ origin: `http://127.0.0.1:${p}`, protocol: 'tokenbridge.v0' }),
    ],
    ['no subprotocol', (p) => ({ origin: `http://127.0.0.1:${p}`, protocol: null })],
    ['a wrong path', (p) => ({ origin: `http://127.0.0.1:${p}`, path: '/socket' })],
  ])('refuses %s with 403 and no handshake', async (_name, options) => {
    const result = await connect(h.port, options(h.port));
    expect(result).toEqual({ status: 403 });
    expect(h.server.connectionCount).toBe(0);
  });

  test.each<[string, (port: number) => Parameters<typeof connect>[1]]>([
    ['our own page', (p) => ({ origin: `http://127.0.0.1:${p}` })],
    [
      'our page by name, Host in capitals',
      (p) => ({ origin: `http://localhost:${p}`, host: `LOCALHOST:${p}` }),
    ],
    ['our page over IPv6 loopback', (p) => ({ origin: `http://[::1]:${p}`, host: `[::1]:${p}` })],
    ['an --allow-origin entry', () => ({ origin: 'https://portal.example.com' })],
  ])('accepts %s and says hello', async (_name, options) => {
    const result = await connect(h.port, options(h.port));
    if (!('client' in result)) throw new Error(`refused with ${result.status}`);
    const hello = await result.client.next();
    expect(hello).toMatchObject({ type: 'hello', protocol: 'tokenbridge.v1' });
    expect(result.client.ws.protocol).toBe('tokenbridge.v1');
    await result.client.close();
  });
});

const get = (port: number, path: string, headers: Record<string, string> = {}, method = 'GET') =>
  httpGet({ port, path, headers, method });

describe('HTTP', () => {
  test('GET /healthz reports ok and the backend fields, with security headers', async () => {
    const res = await get(h.port, '/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true, devices: 1 });
    expect(res.headers).toMatchObject({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`ws://127.0.0.1:${h.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
  });

  test.each([['evil.com:PORT'], ['127.0.0.1:OTHER'], ['localhost.evil.com:PORT']])(
    'a rebinding Host %s gets 403, with security headers',
    async (template) => {
      const host = template.replace('PORT', String(h.port)).replace('OTHER', String(h.port + 1));
      const res = await get(h.port, '/healthz', { host });
      expect(res.status).toBe(403);
      expect(res.body).not.toContain('devices');
      expect(res.headers['x-frame-options']).toBe('DENY');
    },
  );

  test('only GET and HEAD', async () => {
    const res = await get(h.port, '/healthz', {}, 'POST');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  test('without a page configured, / is 404', async () => {
    expect((await get(h.port, '/')).status).toBe(404);
  });
});
