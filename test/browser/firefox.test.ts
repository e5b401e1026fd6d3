import { FirefoxBidi } from '../helpers/firefox-bidi';
import { browserSuite, hotpSpec } from './page-rig';

const ALICE = 'alice@example.com';
const heading = (name: string) =>
  `[...document.querySelectorAll('h1')].some((h) => h.offsetParent !== null && h.textContent.trim() === ${JSON.stringify(name)})`;
const focused = (selector: string) =>
  `document.activeElement === document.querySelector(${JSON.stringify(selector)})`;
const value = (id: string) => `document.getElementById(${JSON.stringify(id)}).value`;

const suite = browserSuite();
let firefox: FirefoxBidi;

beforeAll(async () => {
  firefox = await FirefoxBidi.launch();
}, 60_000);
afterAll(async () => {
  await firefox?.close();
});

describe('the page in Firefox (ESR, over WebDriver BiDi)', () => {
  test('pairing with the serial pre-filled and a captured passcode, with no console error', async () => {
    // The rig's Chromium page stays unopened: Firefox is the browser here.
    const rig = await suite.start({ open: false });
    const token = await rig.plug(hotpSpec('5000001'));
    await firefox.navigate(rig.url);

    await firefox.waitFor(heading('Registration'), 'the Registration window');
    await firefox.waitFor(focused('#registration-user'), 'the focus in User name');
    // Typed keys and Enter in a field submit its form, as in Chromium.
    await firefox.type(ALICE, true);
    await firefox.waitFor(heading('Add a New Device'), 'Add a New Device');
    const choice = 'section[data-window="choose-device"] button[type="submit"]';
    await firefox.waitFor(focused(choice), 'the focus on Hardware Token');
    await firefox.click(choice);

    await firefox.waitFor(heading('Hardware Token Pairing'), 'Hardware Token Pairing');
    expect(await firefox.evaluate(value('serial-number'))).toBe('5000001');
    await firefox.click('section[data-window="serial"] button[type="submit"]');
    await firefox.waitFor(heading('Verification'), 'Verification');
    await firefox.waitFor(focused('#verification-passcode'), 'the focus in Passcode');

    const typed = await token.press();
    await firefox.waitFor(
      `${value('verification-passcode')} === ${JSON.stringify(typed)}`,
      'the captured passcode',
    );
    await firefox.click('section[data-window="verification"] button[type="submit"]');
    await firefox.waitFor(heading('Your token is paired'), 'the green check');
    expect((await rig.td.daemon.store.get('5000001'))?.user).toBe(ALICE);
    expect(firefox.errors).toEqual([]);
  });
});
