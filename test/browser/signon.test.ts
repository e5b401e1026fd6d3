import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import {
  alertSays,
  browserSuite,
  focusedId,
  hotpSpec,
  pairThroughApi,
  scrollWidth,
  statusSays,
  startPairing,
  windowHeading,
} from './page-rig';

const ALICE = 'alice@example.com';

const suite = browserSuite();

describe('signing on from the page, in Chromium', () => {
  test('a captured passcode signs on; the token is then unpaired from the page', async () => {
    const rig = await suite.start();
    const token = await rig.plug(hotpSpec('5000001'));
    await pairThroughApi(rig, token, '5000001', ALICE);
    const { page } = rig;

    await page.getByRole('button', { name: 'Already paired? Sign on instead' }).click();
    await windowHeading(page, 'Sign on');
    expect(await focusedId(page)).toBe('signon-user');
    await page.keyboard.type(ALICE);
    await rig.shot('09-sign-on');
    const typed = await token.press();
    await statusSays(page, /Passcode received from your token\. Select Sign on\./);
    expect(await page.getByRole('textbox', { name: 'Passcode' }).inputValue()).toBe(typed);
    // The user name is there, so the focus moved to Sign on: Enter signs on.
    await page.keyboard.press('Enter');

    await windowHeading(page, 'Signed on');
    await page.getByText(`You are signed on as ${ALICE}.`).waitFor();
    await rig.shot('10-signed-on');
    const unpairSerial = page.getByRole('textbox', {
      name: 'Serial number of the token to unpair',
    });
    expect(await unpairSerial.inputValue()).toBe('5000001');
    await page.getByRole('button', { name: 'Unpair' }).click();
    await statusSays(page, new RegExp(`Token 5000001 is no longer paired to ${ALICE}\\.`));
    expect((await rig.td.daemon.store.get('5000001'))?.user).toBeNull();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await windowHeading(page, 'Registration');
    expect(await page.getByRole('textbox', { name: 'User name' }).inputValue()).toBe('');
  });

  test('after a pairing in this browser, the next visit opens at Sign on', async () => {
    const rig = await suite.start();
    const token = await rig.plug(hotpSpec('5000002'));
    const { page } = rig;
    await startPairing(page, ALICE);
    await page.getByRole('button', { name: 'Next' }).click();
    await windowHeading(page, 'Verification');
    await token.press();
    await statusSays(page, /Select Verify/);
    await page.getByRole('button', { name: 'Verify' }).click();
    await windowHeading(page, 'Your token is paired');
    await page.reload();
    await windowHeading(page, 'Sign on');
    await page.getByRole('button', { name: 'Register a new device' }).waitFor();
  });

  test('wrong passcodes count down the attempts, then the lock shows the time left', async () => {
    const rig = await suite.start();
    const token = await rig.plug(hotpSpec('5000003'));
    await pairThroughApi(rig, token, '5000003', ALICE);
    const { page } = rig;
    await page.getByRole('button', { name: 'Already paired? Sign on instead' }).click();
    await page.getByRole('textbox', { name: 'User name' }).fill(ALICE);
    const passcode = page.getByRole('textbox', { name: 'Passcode' });
    const signOn = page.getByRole('button', { name: 'Sign on', exact: true });

    await passcode.fill('000000');
    await signOn.click();
    expect(await alertSays(page, /Wrong passcode/)).toBe('Wrong passcode. 2 attempts left.');
    expect(await passcode.getAttribute('aria-invalid')).toBe('true');
    expect(await focusedId(page)).toBe('signon-passcode');
    await rig.shot('11-wrong-passcode');

    await passcode.fill('000001');
    await signOn.click();
    await alertSays(page, /^Wrong passcode\. 1 attempt left\.$/);
    await passcode.fill('000002');
    await signOn.click();
    await alertSays(page, /the token is locked\. Try again in \d+:\d\d\./);
    const countdown = page.getByRole('timer');
    expect(await countdown.textContent()).toMatch(/Try again in [0-4]:\d\d\./);
    expect(await signOn.isDisabled()).toBe(true);
    await rig.shot('12-locked');
    const record = await rig.td.daemon.store.get('5000003');
    expect(record?.lockedUntil).not.toBeNull();
  });

  test('signed on when the daemon goes away: the banner shows, and "You are signed on" does not', async () => {
    const rig = await suite.start();
    const token = await rig.plug(hotpSpec('5000012'));
    await pairThroughApi(rig, token, '5000012', ALICE);
    const { page } = rig;
    await page.getByRole('button', { name: 'Already paired? Sign on instead' }).click();
    await page.getByRole('textbox', { name: 'User name' }).fill(ALICE);
    await token.press();
    await statusSays(page, /Passcode received/);
    await page.getByRole('button', { name: 'Sign on', exact: true }).click();
    await page.getByText(`You are signed on as ${ALICE}.`).waitFor();

    const port = rig.td.daemon.port;
    await rig.td.daemon.close();
    await page.getByText(/tokenbridge is unreachable/).waitFor();
    await alertSays(page, /The connection to tokenbridge was lost, so you are signed out/);
    await windowHeading(page, 'Sign on');
    expect(await page.getByText(`You are signed on as ${ALICE}.`).isVisible()).toBe(false);
    let again: TestDaemon | undefined;
    try {
      again = await startTestDaemon({ staticDir: suite.dir(), config: { server: { port } } });
      await statusSays(page, /Connected again\. Sign on once more/);
      await page.locator('#connection').waitFor({ state: 'hidden' });
    } finally {
      await again?.stop();
    }
  });

  test('a malformed passcode uses up no attempt: abc is caught by the page, 8 digits by the daemon', async () => {
    const rig = await suite.start();
    const token = await rig.plug(hotpSpec('5000013'));
    await pairThroughApi(rig, token, '5000013', ALICE);
    const { page } = rig;
    await page.getByRole('button', { name: 'Already paired? Sign on instead' }).click();
    await page.getByRole('textbox', { name: 'User name' }).fill(ALICE);
    const passcode = page.getByRole('textbox', { name: 'Passcode' });
    const signOn = page.getByRole('button', { name: 'Sign on', exact: true });
    await passcode.fill('abc');
    await signOn.click();
    await alertSays(page, /A passcode is 6 or 8 digits/);
    // A well-formed passcode, but not one this 6-digit token can type.
    await passcode.fill('12345678');
    await signOn.click();
    expect(await alertSays(page, /Wrong passcode/)).toBe('Wrong passcode. 3 attempts left.');
    expect((await rig.td.daemon.store.get('5000013'))?.failCount).toBe(0);
    await passcode.fill('000000');
    await signOn.click();
    await alertSays(page, /^Wrong passcode\. 2 attempts left\.$/);
  });

  test('at Sign on, unplugging a token other than the one that typed the passcode says nothing of it', async () => {
    const rig = await suite.start();
    const mine = await rig.plug(hotpSpec('5000014'));
    const other = await rig.plug(hotpSpec('5000015'));
    await pairThroughApi(rig, mine, '5000014', ALICE);
    const { page } = rig;
    await page.getByRole('button', { name: 'Already paired? Sign on instead' }).click();
    await page.getByRole('textbox', { name: 'User name' }).fill(ALICE);
    await mine.press();
    await statusSays(page, /Passcode received/);
    other.unplug();
    await page.getByText('Plugged in: YubiKey 4/5, serial 5000014.').waitFor();
    expect(await page.locator('#alert').textContent()).toBe('');
    mine.unplug();
    await alertSays(page, /Your token \(serial 5000014\) was unplugged/);
  });

  test('the daemon going away: the page says so, retries, and resumes when it is back', async () => {
    const rig = await suite.start();
    await rig.plug(hotpSpec('5000004'));
    const { page } = rig;
    const port = rig.td.daemon.port;
    await startPairing(page, ALICE);

    // While the daemon is away, a retry that lands before it is back is refused, and Chromium
    // reports each such attempt on the console: that is this test's doing, not the page's.
    rig.expectConsoleErrors(
      new RegExp(
        `^WebSocket connection to 'ws://127\\.0\\.0\\.1:${port}/ws' failed: .*ERR_CONNECTION_REFUSED$`,
      ),
    );
    await rig.td.daemon.close();
    await page
      .getByText('tokenbridge is unreachable: is the daemon running? Retrying automatically.')
      .waitFor();
    await page.getByText(/Next try in \d+ s\.|Trying now\./).waitFor();
    expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await rig.shot('13-unreachable');

    // A daemon on the same port again: the page reconnects by itself; the pairing was lost with
    // the old connection, so the page says so and starts over.
    let again: TestDaemon | undefined;
    try {
      again = await startTestDaemon({ staticDir: suite.dir(), config: { server: { port } } });
      await alertSays(page, /the pairing was cancelled/);
      await windowHeading(page, 'Registration');
      await page.locator('#connection').waitFor({ state: 'hidden' });
      expect(await page.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true);
    } finally {
      await again?.stop();
    }
  });

  test('at 320 px wide nothing scrolls sideways, whatever the window says', async () => {
    const rig = await suite.start({ viewport: { width: 320, height: 640 } });
    await rig.plug(hotpSpec('5000005'));
    const { page } = rig;
    expect(await scrollWidth(page)).toBeLessThanOrEqual(320);
    await page
      .getByRole('textbox', { name: 'User name' })
      .fill('a.very.long.user.name@a-long-domain.example.com');
    await page.getByRole('button', { name: 'Start' }).click();
    await windowHeading(page, 'Add a New Device');
    expect(await scrollWidth(page)).toBeLessThanOrEqual(320);
    await page.getByRole('button', { name: /Hardware Token/ }).click();
    await windowHeading(page, 'Hardware Token Pairing');
    await page.getByRole('textbox', { name: 'Serial number' }).fill('9999999');
    await page.getByRole('button', { name: 'Next' }).click();
    await alertSays(page, /not registered/);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(320);
    await rig.shot('14-narrow-320px');
  });
});

describe('a kiosk: sign-on only, several readers, back to the start on its own', () => {
  test('any reader fills the passcode; the check returns to Sign on; idle input is wiped', async () => {
    const rig = await suite.start({
      config: { kiosk: { enabled: true, pairing: false, idleResetMs: 5000 } },
      fakeClock: true,
      open: false,
    });
    await rig.plug(hotpSpec('5000006'));
    const second = await rig.plug(hotpSpec('5000007'));
    // Pairing is off on this kiosk: the tokens were paired elsewhere (straight in the registry).
    const store = rig.td.daemon.store;
    await store.pair('5000006', ALICE, { source: 'test' });
    await store.pair('5000007', 'bob', { source: 'test' });
    const { page } = rig;
    await page.goto(rig.url);

    await windowHeading(page, 'Sign on');
    await page
      .getByText('Plugged in: YubiKey 4/5, serial 5000006; YubiKey 4/5, serial 5000007.')
      .waitFor();
    expect(await page.getByRole('button', { name: 'Register a new device' }).count()).toBe(0);
    await page.getByRole('textbox', { name: 'User name' }).fill('bob');
    await rig.shot('15-kiosk-sign-on');
    const typed = await second.press();
    await statusSays(page, /Passcode received/);
    expect(await page.getByRole('textbox', { name: 'Passcode' }).inputValue()).toBe(typed);
    await page.getByRole('button', { name: 'Sign on', exact: true }).click();
    await windowHeading(page, 'Signed on');
    await page.getByText('This screen returns to the start in a few seconds.').waitFor();
    // No unpairing on a kiosk.
    expect(await page.getByRole('button', { name: 'Unpair' }).count()).toBe(0);

    await page.clock.runFor(5000);
    await windowHeading(page, 'Sign on');
    const user = page.getByRole('textbox', { name: 'User name' });
    expect(await user.inputValue()).toBe('');

    await user.fill('carol');
    await page.clock.runFor(6000);
    await page.waitForFunction(
      () => (document.getElementById('signon-user') as HTMLInputElement).value === '',
    );
    expect(await user.inputValue()).toBe('');
  });
});
