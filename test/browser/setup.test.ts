import { browserSuite, startPairing, statusSays, windowHeading } from './page-rig';

const ALICE = 'alice@example.com';
const SERIAL = '6400001';

const suite = browserSuite();

describe('setting up a blank key from the page, in Chromium', () => {
  test('Hardware Token Pairing offers Set up this token; confirm, touch, Verification, the green check', async () => {
    const rig = await suite.start();
    const token = await rig.plug(`blank:serial=${SERIAL},pacing=0`, { register: false });
    const { page } = rig;
    await startPairing(page, ALICE);

    await page.getByText(`The token plugged in (serial ${SERIAL}) is not set up yet.`).waitFor();
    await rig.shot('16-setup-offer');
    await page.getByRole('button', { name: 'Set up this token' }).click();

    await windowHeading(page, 'Set up this token');
    await page
      .getByText('Select Set up to begin. You will be asked to touch your token.')
      .waitFor();
    await page.getByRole('button', { name: 'Set up', exact: true }).click();

    await page
      .getByRole('status')
      .filter({ hasText: 'Touch the button on your token now (hold it for about 3 seconds).' })
      .waitFor();
    await rig.shot('17-setup-touch');
    // The first OTP the key types is the setup's: it does not fill anything in.
    await token.press(2);

    await windowHeading(page, 'Verification');
    await statusSays(page, /Your token is set up and registered\. Press its button once more/);
    await page.getByText(`serial ${SERIAL}`, { exact: false }).first().waitFor();
    const typed = await token.press(2);
    await statusSays(page, /Passcode received from your token\. Select Verify\./);
    expect(await page.getByRole('textbox', { name: 'Passcode' }).inputValue()).toBe(typed);
    await page.getByRole('button', { name: 'Verify' }).click();

    await windowHeading(page, 'Your token is paired');
    await page
      .getByText(`Your token (serial ${SERIAL}) is paired with ${ALICE}, and you are signed on.`)
      .waitFor();
    const record = await rig.td.daemon.store.get(SERIAL);
    expect(record).toMatchObject({ kind: 'hotp', user: ALICE, counter: 2 });
  });

  test('a setup that fails says why and what the key holds, and nothing is registered', async () => {
    const rig = await suite.start({ config: { enroll: { touchTimeoutMs: 5000 } } });
    const token = await rig.plug(`blank:serial=6400002,pacing=0`, { register: false });
    const { page } = rig;
    await startPairing(page, ALICE);
    await page.getByRole('button', { name: 'Set up this token' }).click();
    await page.getByRole('button', { name: 'Set up', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Touch the button on your token now (hold it for about 3 seconds).' })
      .waitFor();
    // The person pulls the key out instead of touching it.
    token.unplug();
    await windowHeading(page, 'Hardware Token Pairing');
    await page
      .getByRole('alert')
      .filter({
        hasText:
          /Your token could not be set up: the token was not touched in time, or it was unplugged/,
      })
      .waitFor();
    expect(await rig.td.daemon.store.count()).toBe(0);
  });
});
