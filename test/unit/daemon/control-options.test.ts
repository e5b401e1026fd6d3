import { userInfo } from 'node:os';
import { defaultConfig, withOverrides } from '../../../src/config';
import { controlOptionsOf, peerPolicyOf } from '../../../src/daemon/control-options';

/** The control socket admits the people the page's TCP gate admits, as far as modes can say. */
describe("the control socket's peer policy comes from server.allowUsers and allowGroups", () => {
  const config = (server: { allowUsers?: string[]; allowGroups?: string[] }) =>
    withOverrides(defaultConfig({}), { server });

  test('none configured: the daemon’s own user only, folder 0700 and socket 0600', () => {
    expect(peerPolicyOf(config({}))).toEqual({ users: [], groups: [] });
    expect(controlOptionsOf(config({})).decision).toEqual({
      ok: true,
      access: { dirMode: 0o700, socketMode: 0o600 },
    });
  });

  test('one allowed group: the folder and socket are given to it', () => {
    expect(controlOptionsOf(config({ allowGroups: ['tokenbridge-seat'] })).decision).toEqual({
      ok: true,
      access: { dirMode: 0o710, socketMode: 0o660, group: 'tokenbridge-seat' },
    });
  });

  test('another user by name: said plainly, and the socket stays private', () => {
    const other = userInfo().username === 'kiosk' ? 'kiosk2' : 'kiosk';
    expect(controlOptionsOf(config({ allowUsers: [other] })).decision).toMatchObject({
      ok: false,
      reason: expect.stringContaining(other),
      access: { dirMode: 0o700, socketMode: 0o600 },
    });
  });
});
