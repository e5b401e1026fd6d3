import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressKey, addressText } from '../../../src/server/peer/ip-address';
import {
  decodeTableAddress,
  findPeerRow,
  type ConnectionEnds,
  type Endianness,
} from '../../../src/server/peer/proc-net-tcp';
import { ProcPeerLookup } from '../../../src/server/peer/proc-peer-lookup';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'peer');
const table = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe('addressKey: one spelling for every way node and the kernel write an address', () => {
  test.each<[string, string | undefined]>([
    ['127.0.0.1', '00000000000000000000ffff7f000001'],
    ['::ffff:127.0.0.1', '00000000000000000000ffff7f000001'],
    ['::FFFF:7f00:1', '00000000000000000000ffff7f000001'],
    ['::1', '00000000000000000000000000000001'],
    ['0:0:0:0:0:0:0:1', '00000000000000000000000000000001'],
    ['fe80::1%eth0', 'fe800000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['1::2:3', '00010000000000000000000000020003'],
    ['256.0.0.1', undefined],
    ['1.2.3', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['1::2::3', undefined],
    ['localhost', undefined],
    ['', undefined],
  ])('%p -> %p', (text, key) => {
    expect(addressKey(text)).toBe(key);
  });

  test.each([
    ['00000000000000000000ffff7f000001', '127.0.0.1'],
    ['00000000000000000000000000000001', '0:0:0:0:0:0:0:1'],
  ])('back to text: %s -> %s', (key, text) => {
    expect(addressText(key)).toBe(text);
  });
});

describe('decodeTableAddress: the %08X words of /proc/net/tcp*, in the host byte order', () => {
  test.each<[string, Endianness, string | undefined]>([
    ['0100007F', 'LE', '00000000000000000000ffff7f000001'],
    ['7F000001', 'BE', '00000000000000000000ffff7f000001'],
    ['00000000000000000000000001000000', 'LE', '00000000000000000000000000000001'],
    ['00000000000000000000000000000001', 'BE', '00000000000000000000000000000001'],
    ['0000000000000000FFFF00000100007F', 'LE', '00000000000000000000ffff7f000001'],
    ['00000000000000000000FFFF7F000001', 'BE', '00000000000000000000ffff7f000001'],
    ['0100007', 'LE', undefined],
    ['0100007G', 'LE', undefined],
    ['0100007F0100007F', 'LE', undefined],
  ])('%s (%s) -> %p', (hex, order, key) => {
    expect(decodeTableAddress(hex, order)).toBe(key);
  });
});

const v4 = (port: number) => ({ address: addressKey('127.0.0.1')!, port });
const v6 = (port: number) => ({ address: addressKey('::1')!, port });
const ends = (daemon: ConnectionEnds['daemon'], client: ConnectionEnds['client']) => ({
  daemon,
  client,
});

describe('findPeerRow: the client socket, matched by both ends, never the daemon side', () => {
  test.each<[string, string, Endianness, ConnectionEnds, object]>([
    [
      'an IPv4 client of an IPv4 listener',
      'tcp-le.txt',
      'LE',
      ends(v4(7343), v4(42456)),
      { found: true, uid: 65534, inode: 209624 },
    ],
    [
      'a time-wait entry (uid 0, inode 0) is reported as such',
      'tcp-le.txt',
      'LE',
      ends(v4(7343), v4(45056)),
      { found: true, uid: 0, inode: 0 },
    ],
    [
      'an orphaned socket (closed by its process) keeps its uid but has inode 0',
      'tcp-le.txt',
      'LE',
      ends(v4(7343), v4(45057)),
      { found: true, uid: 1000, inode: 0 },
    ],
    [
      'an IPv4 client of a dual-stack listener (the daemon side is in tcp6)',
      'tcp-le.txt',
      'LE',
      ends(
        { address: addressKey('::ffff:127.0.0.1')!, port: 43257 },
        { address: addressKey('::ffff:127.0.0.1')!, port: 33224 },
      ),
      { found: true, uid: 1001 },
    ],
    [
      'an IPv6 client of a mapped address is in tcp6',
      'tcp6-le.txt',
      'LE',
      ends(v4(34303), v4(55862)),
      { found: true, uid: 1003 },
    ],
    [
      'a ::1 client',
      'tcp6-le.txt',
      'LE',
      ends(v6(36825), v6(41806)),
      { found: true, uid: 1000, inode: 235918 },
    ],
    [
      'the same client port towards another daemon port is not ours',
      'tcp-le.txt',
      'LE',
      ends(v4(7345), v4(42456)),
      { found: false },
    ],
    [
      'a client on another loopback address with the same port is not ours',
      'tcp-le.txt',
      'LE',
      ends(v4(7343), v4(50000)),
      { found: false },
    ],
    ['big-endian IPv4', 'tcp-be.txt', 'BE', ends(v4(7343), v4(42456)), { found: true, uid: 1000 }],
    ['big-endian ::1', 'tcp6-be.txt', 'BE', ends(v6(36825), v6(41806)), { found: true, uid: 1000 }],
    [
      'big-endian mapped IPv4',
      'tcp6-be.txt',
      'BE',
      ends(v4(34303), v4(55862)),
      { found: true, uid: 1003 },
    ],
    [
      'a little-endian table read as big-endian matches nothing',
      'tcp-le.txt',
      'BE',
      ends(v4(7343), v4(42456)),
      { found: false },
    ],
  ])('%s', (_name, file, order, query, expected) => {
    expect(findPeerRow(table(file), query, order)).toMatchObject(expected);
  });

  test('rows that do not parse are passed over', () => {
    const text = `garbage :A5D8 \n   9: 0100007F:A5D8 0100007F:1CAF 01 x x x nouid 0 1\n`;
    expect(findPeerRow(text, ends(v4(7343), v4(42456)), 'LE')).toEqual({ found: false });
  });
});

describe('ProcPeerLookup reads both tables of a /proc/net folder', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tb-procnet-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a client found in tcp6 while the daemon listens on IPv4; many lookups share reads', async () => {
    copyFileSync(join(FIXTURES, 'tcp-le.txt'), join(dir, 'tcp'));
    copyFileSync(join(FIXTURES, 'tcp6-le.txt'), join(dir, 'tcp6'));
    const lookup = new ProcPeerLookup(dir, 'LE');
    const answers = await Promise.all([
      lookup.lookup(ends(v4(34303), v4(55862))),
      lookup.lookup(ends(v4(7343), v4(42456))),
      lookup.lookup(ends(v4(1), v4(2))),
    ]);
    expect(answers).toMatchObject([{ uid: 1003 }, { uid: 65534 }, { found: false }]);
    expect(await lookup.probe()).toBeUndefined();
  });

  test('no tcp6 (IPv6 disabled) is an empty table; no tcp is unreadable, which fails closed', async () => {
    copyFileSync(join(FIXTURES, 'tcp-le.txt'), join(dir, 'tcp'));
    const lookup = new ProcPeerLookup(dir, 'LE');
    expect(await lookup.lookup(ends(v4(7343), v4(42456)))).toMatchObject({ uid: 65534 });
    const missing = new ProcPeerLookup(join(dir, 'nowhere'), 'LE');
    expect(await missing.lookup(ends(v4(7343), v4(42456)))).toBe('unreadable');
    expect(await missing.probe()).toBe(`${join(dir, 'nowhere', 'tcp')}: ENOENT`);
  });
});

test("the daemon's own accepted socket is never taken for the client's", () => {
  // Only the daemon's side of the connection is in the table (the client's row has gone).
  const daemonSide = table('tcp-le.txt')
    .split('\n')
    .filter((l) => l.startsWith('   1:'))
    .join('\n');
  expect(findPeerRow(daemonSide, ends(v4(7343), v4(42456)), 'LE')).toEqual({ found: false });
});
