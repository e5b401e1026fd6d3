import { checkOrigin } from '../../../src/config';

describe('checkOrigin: allowed origins are written exactly as browsers send them', () => {
  test.each([
    'http://127.0.0.1:7343',
    'http://localhost:7343',
    'https://example.com',
    'https://sso.example.com:8443',
    'http://[::1]:7343',
    'https://xn--bcher-kva.example',
  ])('accepts %s', (origin) => {
    expect(checkOrigin(origin)).toEqual({ ok: true });
  });

  test.each([
    ['*', /wildcards/],
    ['https://*.example.com', /wildcards/],
    ['null', /sandboxed/],
    ['', /expected an origin/],
    ['example.com', /expected an origin/],
    ['ftp://x', /scheme http or https/],
    ['ws://localhost:7343', /scheme http or https/],
    ['file:///etc/passwd', /scheme http or https/],
    ['http://localhost:7343/path', /no path/],
    ['http://localhost:7343/?q=1', /no path/],
    ['http://localhost:7343/#x', /no path/],
    ['http://user:pw@localhost:7343', /user name/],
    ['http://localhost:7343/', /"http:\/\/localhost:7343"/],
    ['HTTPS://Example.com', /"https:\/\/example.com"/],
    ['https://example.com:443', /"https:\/\/example.com"/],
    ['http://localhost:80', /"http:\/\/localhost"/],
    [' https://example.com', /"https:\/\/example.com"/],
  ])('refuses %j', (origin, reason) => {
    const check = checkOrigin(origin);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });
});
