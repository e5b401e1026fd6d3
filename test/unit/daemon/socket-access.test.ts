import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  groupId,
  OWN_USER_ONLY,
  socketAccessFor,
  socketDirProblem,
  type PeerPolicy,
} from '../../../src/daemon/socket-access';

const OWN = { dirMode: 0o700, socketMode: 0o600 };

describe('a peer policy as the owner, group and modes of a Unix socket', () => {
  test.each<[string, PeerPolicy, ReturnType<typeof socketAccessFor>]>([
    ['the default: the daemon’s own user only', OWN_USER_ONLY, { ok: true, access: OWN }],
    [
      'naming the daemon’s own user changes nothing',
      { users: ['alice'], groups: [] },
      { ok: true, access: OWN },
    ],
    [
      'one group may pass through the folder and write the socket',
      { users: [], groups: ['tokenbridge-seat'] },
      { ok: true, access: { dirMode: 0o710, socketMode: 0o660, group: 'tokenbridge-seat' } },
    ],
    [
      'another user by name cannot be expressed: refused, and private',
      { users: ['alice', 'bob'], groups: [] },
      { ok: false, reason: expect.stringMatching(/only through a group.*\(bob\)/), access: OWN },
    ],
    [
      'two groups cannot be expressed: refused, and private',
      { users: [], groups: ['a', 'b'] },
      {
        ok: false,
        reason: expect.stringMatching(/one group, but 2 are allowed \(a, b\)/),
        access: OWN,
      },
    ],
  ])('%s', (_name, policy, decision) => {
    expect(socketAccessFor(policy, 'alice')).toEqual(decision);
  });
});

describe('the socket folder', () => {
  const dir = { isDirectory: () => true, uid: 1000 };
  test.each<
    [string, { isDirectory(): boolean; uid: number }, number | undefined, string | undefined]
  >([
    ['our own folder', dir, 1000, undefined],
    [
      'another user’s folder',
      dir,
      1001,
      "/run/x belongs to uid 1000, not to the daemon's user (uid 1001)",
    ],
    [
      'a file, or a link, where the folder should be',
      { isDirectory: () => false, uid: 1000 },
      1000,
      '/run/x is not a folder',
    ],
  ])('%s', (_name, stat, uid, problem) => {
    expect(socketDirProblem('/run/x', stat, uid)).toBe(problem);
  });

  test('groups are found by name in the group file, or taken as numbers', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tb-groups-'));
    try {
      const file = join(tmp, 'group');
      writeFileSync(file, 'root:x:0:\nseat:x:1234:alice,bob\n');
      expect(groupId('seat', file)).toBe(1234);
      expect(groupId('77', file)).toBe(77);
      expect(() => groupId('nope', file)).toThrow(`no group named nope in ${file}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
