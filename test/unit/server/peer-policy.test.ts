import { groupsOfUid, parseGroup, parsePasswd } from '../../../src/server/peer/accounts';
import {
  capabilityMatches,
  offeredCapability,
  originCapability,
} from '../../../src/server/peer/capability';
import {
  decidePeer,
  needsGroups,
  peerPolicy,
  type PeerDecision,
  type PeerPolicy,
} from '../../../src/server/peer/peer-policy';
import type { PeerRow } from '../../../src/server/peer/proc-net-tcp';

const desktop = peerPolicy(1000);
const kiosk = peerPolicy(998, [1001], [2000]);
const row = (uid: number, inode = 4242): PeerRow => ({ found: true, uid, inode, state: 1 });

describe('decidePeer: who gets in', () => {
  test.each<[string, PeerPolicy, PeerRow | 'unreadable', number[], PeerDecision]>([
    ['the daemon user', desktop, row(1000), [], { admit: true, uid: 1000 }],
    [
      'another user',
      desktop,
      row(65534),
      [],
      { admit: false, uid: 65534, reason: 'user not allowed' },
    ],
    [
      'root, on a desktop',
      desktop,
      row(0),
      [],
      { admit: false, uid: 0, reason: 'user not allowed' },
    ],
    ['an allowed user', kiosk, row(1001), [], { admit: true, uid: 1001 }],
    ['a member of an allowed group', kiosk, row(1005), [100, 2000], { admit: true, uid: 1005 }],
    [
      'a member of other groups only',
      kiosk,
      row(1005),
      [100, 2001],
      { admit: false, uid: 1005, reason: 'user not allowed' },
    ],
    [
      'a closed or time-wait socket (inode 0), even with an allowed uid',
      desktop,
      row(1000, 0),
      [],
      { admit: false, uid: null, reason: 'peer socket released' },
    ],
    [
      'a time-wait entry shows uid 0: never admitted as root',
      peerPolicy(0),
      row(0, 0),
      [],
      { admit: false, uid: null, reason: 'peer socket released' },
    ],
    [
      'a socket not in the table (a remote machine, a race)',
      desktop,
      { found: false },
      [],
      { admit: false, uid: null, reason: 'peer socket not found' },
    ],
    [
      'an unreadable table fails closed',
      desktop,
      'unreadable',
      [],
      { admit: false, uid: null, reason: 'peer table unreadable' },
    ],
  ])('%s', (_name, policy, answer, groups, expected) => {
    expect(decidePeer(policy, answer, groups)).toEqual(expected);
  });

  test.each<[PeerPolicy, number, boolean]>([
    [desktop, 65534, false],
    [kiosk, 1001, false],
    [kiosk, 998, false],
    [kiosk, 1005, true],
  ])('groups are looked up only when they could matter (%#)', (policy, uid, expected) => {
    expect(needsGroups(policy, uid)).toBe(expected);
  });
});

describe('/etc/passwd and /etc/group', () => {
  const passwd = parsePasswd(
    [
      'root:x:0:0:root:/root:/bin/bash',
      'kiosk:x:1001:1001::/home/kiosk:/bin/sh',
      '# a comment',
      '+nisuser::::::',
      'broken:x:notanumber:1',
      'short:x:5',
      '',
      'tb:x:998:998::/var/lib/tokenbridge:/usr/sbin/nologin',
    ].join('\n'),
  );
  const groups = parseGroup(
    [
      'root:x:0:',
      'kiosk:x:1001:',
      'seat:x:2000:kiosk, other',
      'video:x:44:tb',
      'bad:x::kiosk',
    ].join('\n'),
  );

  test('valid lines only', () => {
    expect(passwd.map((p) => p.name)).toEqual(['root', 'kiosk', 'tb']);
    expect(groups.map((g) => g.name)).toEqual(['root', 'kiosk', 'seat', 'video']);
    expect(groups[2]!.members).toEqual(['kiosk', 'other']);
  });

  test.each<[number, number[] | undefined]>([
    [1001, [1001, 2000]],
    [998, [998, 44]],
    [0, [0]],
    [4242, undefined],
  ])('groups of uid %d', (uid, expected) => {
    expect(groupsOfUid(uid, passwd, groups)).toEqual(expected);
  });
});

describe('the install capability', () => {
  const secret = Buffer.alloc(32, 7);
  const origin = 'http://127.0.0.1:7343';

  test('is bound to its origin and checked from the subprotocol list', () => {
    const cap = originCapability(secret, origin);
    expect(cap).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const offered = offeredCapability(['tokenbridge.v1', `tokenbridge.capability.${cap}`]);
    expect(offered).toBe(cap);
    expect(capabilityMatches(secret, origin, offered)).toBe(true);
    expect(capabilityMatches(secret, 'https://portal.example.com', offered)).toBe(false);
    expect(capabilityMatches(Buffer.alloc(32, 8), origin, offered)).toBe(false);
  });

  test.each<[string, string[]]>([
    ['none offered', ['tokenbridge.v1']],
    ['empty', ['tokenbridge.v1', 'tokenbridge.capability.']],
    ['cut short', ['tokenbridge.v1', `tokenbridge.capability.${'A'.repeat(42)}`]],
    ['another prefix', ['tokenbridge.v1', `tokenbridge.cap.${'A'.repeat(43)}`]],
  ])('refused: %s', (_name, protocols) => {
    expect(capabilityMatches(secret, origin, offeredCapability(protocols))).toBe(false);
  });
});
