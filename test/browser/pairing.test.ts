import {
  alertSays,
  browserSuite,
  focusedId,
  hotpSpec,
  statusSays,
  startPairing,
  windowHeading,
  YUBICO_SPEC,
} from './page-rig';

const ALICE = 'alice@example.com';

const suite = browserSuite();

describe('pairing a hardware token from the page, in Chromium', () => {
  test('keyboard only: Start, Hardware Token, the pre-filled serial, a button press, Verify, the green check', async () => {
    const rig = await suite.start({ open: false });
    const token = await rig.plug(hotpSpec('5000001'));
    const { page } = rig;
    await page.goto(rig.url);

    // A first visit opens at Registration, with the focus in its only field.
    await windowHeading(page, 'Registration');
    await page.getByText('Plugged in: YubiKey 4/5, serial 5000001.').waitFor();
    expect(await focusedId(page)).toBe('registration-user');
    await rig.shot('01-registration');
    await page.keyboard.type(ALICE);
    await page.keyboard.press('Enter');

    await windowHeading(page, 'Add a New Device');
    expect(
      await page
        .getByRole('button', { name: /Hardware Token/ })
        .evaluate((b) => b === document.activeElement),
    ).toBe(true);
    // An HOTP token cannot pair by a press: the page does not offer it.
    expect(await page.getByText('Or press the button on your YubiKey now').isVisible()).toBe(false);
    await rig.shot('02-add-a-new-device');
    await page.keyboard.press('Enter');

    await windowHeading(page, 'Hardware Token Pairing');
    const serial = page.getByRole('textbox', { name: 'Serial number' });
    expect(await serial.inputValue()).toBe('5000001');
    await page
      .getByText('The serial number is usually printed on the back of your token.')
      .waitFor();
    await page.getByText('It was filled in from the token plugged in.').waitFor();
    await rig.shot('03-hardware-token-pairing');
    // The serial is filled, so the focus waits on Next.
    await page.keyboard.press('Enter');

    await windowHeading(page, 'Verification');
    await page.getByText('serial 5000001', { exact: false }).first().waitFor();
    await rig.shot('04-verification');
    const typed = await token.press();
    const passcode = page.getByRole('textbox', { name: 'Passcode' });
    await statusSays(page, /Passcode received from your token\. Select Verify\./);
    expect(await passcode.inputValue()).toBe(typed);
    expect(typed).toBe('755224');
    await page.keyboard.press('Enter');

    await windowHeading(page, 'Your token is paired');
    await page
      .getByText(`Your token (serial 5000001) is paired with ${ALICE}, and you are signed on.`)
      .waitFor();
    await rig.shot('06-paired');
    expect((await rig.td.daemon.store.get('5000001'))?.user).toBe(ALICE);
  });

  test('a drifted token: Verification asks for the Final Step, Sync pairs it and moves the counter', async () => {
    const rig = await suite.start();
    // The registry expects counter 0; the token has been pressed 15 times away from it.
    const token = await rig.plug(hotpSpec('5000002', ',counter=15'), {
      register: hotpSpec('5000002'),
    });
    const { page } = rig;
    await startPairing(page, ALICE);
    // Two tokens could be plugged in: the person types the one on the back of theirs.
    await page.getByRole('textbox', { name: 'Serial number' }).fill('5000002');
    await page.getByRole('button', { name: 'Next' }).click();

    await windowHeading(page, 'Verification');
    const first = await token.press();
    await statusSays(page, /Select Verify/);
    expect(await page.getByRole('textbox', { name: 'Passcode' }).inputValue()).toBe(first);
    await page.getByRole('button', { name: 'Verify' }).click();

    await windowHeading(page, 'Final Step');
    await statusSays(page, /out of step/);
    // Its field is empty, so the focus is in it (Enter on Sync would send nothing).
    expect(await page.getByRole('textbox', { name: 'Next passcode' }).inputValue()).toBe('');
    expect(await focusedId(page)).toBe('final-passcode');
    await rig.shot('05-final-step');
    const next = await token.press();
    const field = page.getByRole('textbox', { name: 'Next passcode' });
    await statusSays(page, /Select Sync/);
    expect(await field.inputValue()).toBe(next);
    await page.getByRole('button', { name: 'Sync' }).click();

    await windowHeading(page, 'Your token is paired');
    const record = await rig.td.daemon.store.get('5000002');
    expect(record?.user).toBe(ALICE);
    expect(record?.counter).toBe(17);
  });

  test('a Yubico OTP token pairs by a tap at Add a New Device, with no serial typed', async () => {
    const rig = await suite.start();
    const token = await rig.plug(YUBICO_SPEC);
    const { page } = rig;
    await page.getByRole('textbox', { name: 'User name' }).fill(ALICE);
    await page.getByRole('button', { name: 'Start' }).click();
    await windowHeading(page, 'Add a New Device');
    // The registry knows this key by its public id: a press pairs it, and the page says so.
    await page.getByText('Or press the button on your YubiKey now').waitFor();
    await token.press();
    await windowHeading(page, 'Your token is paired');
    expect((await rig.td.daemon.store.get('5000009'))?.user).toBe(ALICE);
  });

  test('an unknown serial and a token paired to someone else are explained beside the field', async () => {
    const rig = await suite.start();
    const other = await rig.plug(hotpSpec('5000003'));
    // Bob paired this token first, through the same API the page uses.
    const bob = await rig.td.connect();
    const started = await bob.request('pairing.start', { user: 'bob' });
    const pairingId = started.pairingId as string;
    await bob.request('pairing.chooseHardwareToken', { pairingId });
    await bob.request('pairing.serial', { pairingId, serial: '5000003' });
    const code = await other.press();
    expect(await bob.request('pairing.verify', { pairingId, passcode: code })).toMatchObject({
      result: 'accepted',
    });

    const { page } = rig;
    await startPairing(page, ALICE);
    const serial = page.getByRole('textbox', { name: 'Serial number' });
    await serial.fill('9999999');
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await alertSays(page, /not registered/)).toBe(
      'Serial number 9999999 is not registered. Check the number on the back of your token, or ask your administrator to import the token.',
    );
    expect(await serial.getAttribute('aria-invalid')).toBe('true');
    expect(await focusedId(page)).toBe('serial-number');
    await rig.shot('07-unknown-serial');

    await serial.fill('5000003');
    await page.getByRole('button', { name: 'Next' }).click();
    await alertSays(page, /already paired to another account/);
    await windowHeading(page, 'Hardware Token Pairing');
    expect((await rig.td.daemon.store.get('5000003'))?.user).toBe('bob');

    // Typing a bad serial is caught before it is sent.
    await serial.fill('no spaces allowed');
    await page.getByRole('button', { name: 'Next' }).click();
    await alertSays(page, /letters, digits, dots/);
  });

  test('the token unplugged mid-flow: the page says so, and carries on when it is back', async () => {
    const rig = await suite.start({ open: false });
    const token = await rig.plug(hotpSpec('5000004'));
    const { page } = rig;
    await page.goto(rig.url);
    await startPairing(page, ALICE);
    await page.getByRole('button', { name: 'Next' }).click();
    await windowHeading(page, 'Verification');

    token.unplug();
    await alertSays(page, /Your token \(serial 5000004\) was unplugged/);
    await page.getByText('No token plugged in.').waitFor();
    await rig.shot('08-token-unplugged');
    token.plug();
    await statusSays(page, /Token 5000004 is plugged in again/);
    await token.press();
    await statusSays(page, /Select Verify/);
    await page.getByRole('button', { name: 'Verify' }).click();
    await windowHeading(page, 'Your token is paired');
  });

  test('Cancel goes back to Registration and the daemon forgets the pairing', async () => {
    const rig = await suite.start();
    await rig.plug(hotpSpec('5000005'));
    const { page } = rig;
    await startPairing(page, ALICE);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await windowHeading(page, 'Registration');
    // The page told the daemon: the pairing ended as cancelled (the audit never waits on it).
    const cancelled = async () =>
      (await rig.td.daemon.store.audit({ user: ALICE, event: 'pairing' })).some(
        (e) => e.detail.ended === 'cancelled',
      );
    for (let i = 0; i < 50 && !(await cancelled()); i++) await page.waitForTimeout(20);
    expect(await cancelled()).toBe(true);
  });
});
