/**
 * IP addresses as 16 bytes, in the hex spelling the peer lookups compare: an IPv4 address is its
 * IPv4-mapped IPv6 form (::ffff:a.b.c.d), so a connection matches whichever of /proc/net/tcp and
 * /proc/net/tcp6 holds its socket, and whether node reports `127.0.0.1` or `::ffff:127.0.0.1`.
 */
const MAPPED_PREFIX = '00000000000000000000ffff';

/** `a.b.c.d` -> 8 hex digits, or undefined. */
function ipv4Hex(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let hex = '';
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    hex += Number(part).toString(16).padStart(2, '0');
  }
  return hex;
}

/** An IPv6 address (with `::`, an embedded IPv4 tail, a `%zone`) -> 32 hex digits, or undefined. */
function ipv6Hex(text: string): string | undefined {
  const bare = text.replace(/%.*$/, '').toLowerCase();
  let groups: string[];
  const tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  let v4 = '';
  let head = bare;
  if (tail) {
    const hex = ipv4Hex(tail[2]!);
    if (hex === undefined) return undefined;
    v4 = hex;
    head = tail[1]!.endsWith('::') ? tail[1]! : tail[1]!.slice(0, -1);
  }
  const wanted = v4 ? 6 : 8;
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const split = (s: string) => (s === '' ? [] : s.split(':'));
  if (halves.length === 2) {
    const left = split(halves[0]!);
    const right = split(halves[1]!);
    const missing = wanted - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  } else {
    groups = split(head);
  }
  if (groups.length !== wanted || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.padStart(4, '0')).join('') + v4;
}

/** The 16-byte hex form of an address as node or a Host header spells it; undefined if it is none. */
export function addressKey(text: string): string | undefined {
  const v4 = ipv4Hex(text);
  if (v4 !== undefined) return MAPPED_PREFIX + v4;
  return ipv6Hex(text);
}

/** 32 hex digits back to text: IPv4 for the mapped range, else the full IPv6 groups. */
export function addressText(key: string): string {
  if (key.startsWith(MAPPED_PREFIX)) {
    const v4 = key.slice(MAPPED_PREFIX.length);
    return [0, 2, 4, 6].map((i) => parseInt(v4.slice(i, i + 2), 16)).join('.');
  }
  return (key.match(/.{4}/g) ?? []).map((g) => g.replace(/^0{1,3}/, '')).join(':');
}
