import { BASE_ENV, load, problems, resolved } from './config-fixtures';

describe('who may connect: server.peerCheck, allowUsers, allowGroups, capabilityFile', () => {
  test.each<[unknown, string[]]>([
    [
      ['kiosk', '_apt', 'machine$', 'web-kiosk.2'],
      ['kiosk', '_apt', 'machine$', 'web-kiosk.2'],
    ],
    [
      ['1001', 1001, 0],
      ['1001', '1001', '0'],
    ],
    [[], []],
  ])('allowUsers %j is taken as %j', (value, expected) => {
    expect(resolved({ server: { allowUsers: value, allowGroups: value } }).server).toMatchObject({
      allowUsers: expected,
      allowGroups: expected,
    });
  });

  test.each<[unknown, string]>([
    ['', '""'],
    ['a b', '"a b"'],
    ['-rf', '"-rf"'],
    ['root:x', '"root:x"'],
    ['4294967295', '"4294967295"'],
    [-1, '-1'],
    [1.5, '1.5'],
    [true, 'true'],
  ])('allowUsers entry %p is refused, saying what was expected', (value, shown) => {
    expect(problems({ server: { allowUsers: [value] } })).toEqual([
      `FILE: server.allowUsers.0: expected a user or group name, or a decimal id, got ${shown}`,
    ]);
  });

  test('peerCheck takes auto, uid or capability; the environment and flags set all four keys', () => {
    expect(problems({ server: { peerCheck: 'none' } })).toEqual([
      'FILE: server.peerCheck: expected one of auto, uid, capability, got "none"',
    ]);
    const fromEnv = load(
      {},
      {
        ...BASE_ENV,
        TOKENBRIDGE_PEER_CHECK: 'capability',
        TOKENBRIDGE_ALLOW_USERS: 'kiosk, 1001',
        TOKENBRIDGE_ALLOW_GROUPS: 'seat',
        TOKENBRIDGE_CAPABILITY_FILE: '/var/lib/tokenbridge/capability',
      },
    );
    expect(fromEnv).toMatchObject({
      server: {
        peerCheck: 'capability',
        allowUsers: ['kiosk', '1001'],
        allowGroups: ['seat'],
        capabilityFile: '/var/lib/tokenbridge/capability',
      },
    });
    const fromFlags = load({}, BASE_ENV, { allowUser: ['kiosk'], peerCheck: 'uid' });
    expect(fromFlags).toMatchObject({ server: { peerCheck: 'uid', allowUsers: ['kiosk'] } });
  });
});
