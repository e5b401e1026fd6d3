import { addressKey } from './ip-address';

/**
 * The kernel's TCP socket tables, /proc/net/tcp and /proc/net/tcp6, as text in, facts out. Each
 * row is `sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...`; an address is the raw
 * in-memory address printed as 32-bit words (`%08X` per word), so on a little-endian machine
 * 127.0.0.1 reads `0100007F`, and ::1 reads `00000000000000000000000001000000`; a port is printed
 * in host order (`%04X` of ntohs), so it reads as the number it is.
 */
export type Endianness = 'LE' | 'BE';

/** One end of a TCP connection: the address as `addressKey` spells it, and the port. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A loopback connection seen from the daemon's accepted socket. */
export interface ConnectionEnds {
  /** The daemon's end: the socket's localAddress and localPort. */
  readonly daemon: Endpoint;
  /** The client's end: the socket's remoteAddress and remotePort. */
  readonly client: Endpoint;
}

/** What the table says about the client's own socket. */
export type PeerRow =
  | { readonly found: true; readonly uid: number; readonly inode: number; readonly state: number }
  | { readonly found: false };

/** The `%08X` words of a table address back to the address's bytes, as 32 hex digits. */
export function decodeTableAddress(hex: string, endianness: Endianness): string | undefined {
  if (!/^(?:[0-9A-Fa-f]{8}){1,4}$/.test(hex) || (hex.length !== 8 && hex.length !== 32))
    return undefined;
  const words = hex.match(/.{8}/g)!;
  const bytes = words
    .map((word) => {
      const pairs = word.match(/.{2}/g)!;
      return (endianness === 'LE' ? pairs.reverse() : pairs).join('');
    })
    .join('')
    .toLowerCase();
  if (bytes.length === 8) {
    const [a, b, c, d] = bytes.match(/.{2}/g)!.map((p) => parseInt(p, 16));
    return addressKey(`${a}.${b}.${c}.${d}`);
  }
  return bytes;
}

function decodeEndpoint(field: string, endianness: Endianness): Endpoint | undefined {
  const colon = field.indexOf(':');
  if (colon < 0) return undefined;
  const address = decodeTableAddress(field.slice(0, colon), endianness);
  const portHex = field.slice(colon + 1);
  if (address === undefined || !/^[0-9A-Fa-f]{4}$/.test(portHex)) return undefined;
  return { address, port: parseInt(portHex, 16) };
}

const SAME = (a: Endpoint, b: Endpoint) => a.port === b.port && a.address === b.address;

/**
 * The row of the client's socket: local end = the client's end, remote end = the daemon's. The
 * daemon's own accepted socket has the same two ends the other way round, so both ports and both
 * addresses must match in the right places. Rows that do not parse are passed over.
 */
export function findPeerRow(table: string, ends: ConnectionEnds, endianness: Endianness): PeerRow {
  // Only rows that name the client's port are split (a daemon with 500 clients has long tables).
  const needle = `:${ends.client.port.toString(16).toUpperCase().padStart(4, '0')} `;
  for (const line of table.split('\n')) {
    if (!line.includes(needle)) continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = decodeEndpoint(f[1]!, endianness);
    const remote = decodeEndpoint(f[2]!, endianness);
    if (local === undefined || remote === undefined) continue;
    if (!SAME(local, ends.client) || !SAME(remote, ends.daemon)) continue;
    const uid = Number(f[7]);
    const inode = Number(f[9]);
    const state = parseInt(f[3]!, 16);
    if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(inode)) continue;
    return { found: true, uid, inode, state };
  }
  return { found: false };
}
