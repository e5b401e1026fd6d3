import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { ConfigLayer } from '../../src/config';
import { silentLogger } from '../../src/core';
import { provisionVirtualTokens } from '../../src/runtime/provision-virtual';
import { parseVirtualSpec, VirtualToken } from '../../drivers/virtual';
import { buildWeb } from '../../scripts/build-web.cjs';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon';
import { writeScreenshot } from './screenshot-file';

/** Debian's chromium (scripts/setup.sh installs it); browsers are never downloaded. */
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The README shows these; names are fixed so a rerun replaces them. */
export const SCREENSHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');
const VIEWPORT = { width: 640, height: 720 };

/** The RFC 4226 secret as hex: the codes of counters 0.. are 755224, 287082, 359152, ... */
export const RFC_SECRET_HEX = Buffer.from('12345678901234567890', 'ascii').toString('hex');
export const hotpSpec = (serial: string, extra = ''): string =>
  `hotp:serial=${serial},secret=${RFC_SECRET_HEX},pacing=0${extra}`;
export const YUBICO_SPEC =
  'yubico:serial=5000009,aes-key=ecde18dbe76fbd0c33330f1c354871db,' +
  'private-id=8792ebfe26cc,public-id=vvccccbcbcbc,pacing=0';

/** One Chromium per test file; fails (never skips) when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/setup.sh does it)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** The page built by the real build script into a temp dir. */
export async function buildPage(): Promise<{ dir: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tb-web-'));
  await buildWeb(dir);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface PageRig {
  readonly td: TestDaemon;
  readonly page: Page;
  readonly context: BrowserContext;
  readonly url: string;
  /** Plugs a virtual token in; with `register`, its slot-1 credential is imported first. */
  plug(spec: string, options?: { register?: boolean | string }): Promise<VirtualToken>;
  /** Saves docs/screenshots/NAME.png of the page as it is now. */
  shot(name: string): Promise<void>;
  /**
   * From now on, console errors matching `pattern` are the test's own doing (the browser's report
   * of a connection the test refused on purpose) and do not fail it; every other one still does.
   */
  expectConsoleErrors(pattern: RegExp): void;
  close(): Promise<void>;
}

export interface RigOptions {
  readonly config?: ConfigLayer;
  readonly viewport?: { width: number; height: number };
  /** Install Playwright's fake clock in the page before it loads (kiosk timers). */
  readonly fakeClock?: boolean;
  /** Leave the page unopened (the test sets things up first). */
  readonly open?: boolean;
}

/** A fresh daemon (its own store) and a fresh browser context (no remembered visits). */
export async function startRig(
  browser: Browser,
  staticDir: string,
  options: RigOptions = {},
): Promise<PageRig> {
  const td = await startTestDaemon({
    staticDir,
    ...(options.config ? { config: options.config } : {}),
  });
  const context = await browser.newContext({ viewport: options.viewport ?? VIEWPORT });
  const page = await context.newPage();
  // A step that does not happen fails with its own message long before the test's timeout.
  page.setDefaultTimeout(6000);
  const errors: string[] = [];
  const expected: RegExp[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (!expected.some((pattern) => pattern.test(msg.text()))) errors.push(msg.text());
  });
  if (options.fakeClock) await page.clock.install();
  const url = td.daemon.url;
  if (options.open !== false) await openPage(page, url);
  return {
    td,
    page,
    context,
    url,
    async plug(spec, plugOptions = {}) {
      const parsed = parseVirtualSpec(spec);
      const register = plugOptions.register ?? true;
      if (register !== false) {
        const registered = typeof register === 'string' ? parseVirtualSpec(register) : parsed;
        await provisionVirtualTokens(td.daemon.store, [registered], silentLogger());
      }
      const token = new VirtualToken(parsed);
      // A button pressed before the daemon has opened the token types into nothing, as on a desk:
      // the attach handshake resolves once the daemon listens to it.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`virtual token ${parsed.serial} was never attached by the daemon`)),
          5000,
        );
      });
      await Promise.race([td.virtual.attach(token), late]).finally(() => clearTimeout(timer));
      return token;
    },
    async shot(name) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const png = await page.screenshot({ animations: 'disabled', caret: 'hide' });
      writeScreenshot(join(SCREENSHOTS, `${name}.png`), png);
    },
    expectConsoleErrors(pattern) {
      expected.push(pattern);
    },
    async close() {
      await context.close();
      await td.stop();
      // A CSP violation or an uncaught error in the page fails the test that caused it.
      expect(errors).toEqual([]);
    },
  };
}

/** Opens the page and waits until it has its `hello` (the version shows in the footer). */
export async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page
    .locator('footer')
    .getByText(/^tokenbridge \d/)
    .waitFor();
}

/** The visible window's heading (waits for it). */
export async function windowHeading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/** Waits for the alert region to say `text`. */
export async function alertSays(page: Page, text: RegExp): Promise<string> {
  const alert = page.getByRole('alert').filter({ hasText: text });
  await alert.waitFor();
  return (await alert.textContent()) ?? '';
}

/** Waits for the polite status region to say `text`. */
export async function statusSays(page: Page, text: RegExp): Promise<string> {
  const status = page.locator('#notice').filter({ hasText: text });
  await status.waitFor();
  return (await status.textContent()) ?? '';
}

/** The id of the focused element (keyboard checks). */
export function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.id ?? '');
}

/** Widest content of the page: no horizontal scrolling means at most the viewport width. */
export function scrollWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.scrollingElement?.scrollWidth ?? 0);
}

/** Pairs `token` (serial `serial`) to `user` through the WebSocket API, as another page would. */
export async function pairThroughApi(
  rig: PageRig,
  token: VirtualToken,
  serial: string,
  user: string,
): Promise<void> {
  const client = await rig.td.connect();
  const started = await client.request('pairing.start', { user });
  const pairingId = started.pairingId as string;
  await client.request('pairing.chooseHardwareToken', { pairingId });
  await client.request('pairing.serial', { pairingId, serial });
  const passcode = await token.press();
  const reply = await client.request('pairing.verify', { pairingId, passcode });
  if (reply.result !== 'accepted')
    throw new Error(`pairing ${serial} failed: ${JSON.stringify(reply)}`);
  await client.close();
}

/**
 * One Chromium and one built page for a test file, and a fresh rig per test, closed after it:
 * call at the top of a file, then `await suite.start()` in each test.
 */
export function browserSuite(): {
  readonly browser: () => Browser;
  readonly dir: () => string;
  start(options?: RigOptions): Promise<PageRig>;
} {
  let browser: Browser | undefined;
  let built: { dir: string; cleanup(): void } | undefined;
  let current: PageRig | undefined;
  beforeAll(async () => {
    [browser, built] = await Promise.all([launchBrowser(), buildPage()]);
  });
  afterAll(async () => {
    await browser?.close();
    built?.cleanup();
  });
  afterEach(async () => {
    const rig = current;
    current = undefined;
    await rig?.close();
  });
  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('browserSuite: used outside a test');
    return value;
  };
  return {
    browser: () => need(browser),
    dir: () => need(built).dir,
    async start(options = {}) {
      current = await startRig(need(browser), need(built).dir, options);
      return current;
    },
  };
}

/** Registration: the user name and Start, then Hardware Token at Add a New Device. */
export async function startPairing(page: Page, user: string): Promise<void> {
  await page.getByRole('textbox', { name: 'User name' }).fill(user);
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByRole('button', { name: /Hardware Token/ }).click();
  await windowHeading(page, 'Hardware Token Pairing');
}
