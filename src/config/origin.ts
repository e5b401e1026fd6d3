/**
 * Allowed origins are compared byte for byte with the browser's `Origin` header, so each entry must
 * be written exactly as a browser sends it: `scheme://host[:port]`, lower case, no default port, no
 * path, no trailing slash. A pure predicate, table-tested (look-alikes and wildcards included).
 */
export type OriginCheck = { ok: true } | { ok: false; reason: string };

const SCHEMES = new Set(['http:', 'https:']);

export function checkOrigin(text: string): OriginCheck {
  if (text === '*' || text.includes('*'))
    return { ok: false, reason: 'wildcards are not allowed; list each origin exactly' };
  if (text === 'null')
    return {
      ok: false,
      reason: '"null" is the origin of sandboxed and file pages; never allow it',
    };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return {
      ok: false,
      reason: 'expected an origin like https://example.com or http://localhost:8080',
    };
  }
  if (!SCHEMES.has(url.protocol)) return { ok: false, reason: 'expected scheme http or https' };
  if (url.username || url.password)
    return { ok: false, reason: 'an origin has no user name or password' };
  if (url.pathname !== '/' || url.search || url.hash || /^[a-z]+:\/\/[^/]+\/./i.test(text))
    return { ok: false, reason: 'an origin has no path, query or fragment' };
  if (url.origin !== text)
    return { ok: false, reason: `browsers send this origin as "${url.origin}"; write it that way` };
  return { ok: true };
}
