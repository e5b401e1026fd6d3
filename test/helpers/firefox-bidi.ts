import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

/** Debian's Firefox ESR (scripts/setup.sh installs it). */
export const FIREFOX = '/usr/bin/firefox-esr';

/**
 * Preferences for a quiet test profile: no first-run pages, no updates, no telemetry, no remote
 * settings, nothing that reaches for the network on its own.
 */
const PREFS: Record<string, boolean | string | number> = {
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'app.update.enabled': false,
  'app.normandy.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'extensions.update.enabled': false,
  'services.settings.server': 'http://127.0.0.1:9/',
  'messaging-system.rsexperimentloader.enabled': false,
};

type Json = Record<string, unknown>;

/**
 * A small WebDriver BiDi client (the W3C protocol Firefox speaks natively) for the one Firefox test:
 * Playwright drives only its own patched Firefox build, which cannot be downloaded here, and its
 * BiDi mode needs commands newer than this ESR has.
 */
export class FirefoxBidi {
  private nextId = 1;
  private readonly waiting = new Map<number, (message: Json) => void>();
  /** Console errors and uncaught exceptions of the page, as `log.entryAdded` reports them. */
  readonly errors: string[] = [];

  private constructor(
    private readonly process: ChildProcess,
    private readonly socket: WebSocket,
    private readonly profile: string,
  ) {}

  /** The browsing context (tab) every command goes to, found once the session is up. */
  private context = '';

  static async launch(): Promise<FirefoxBidi> {
    if (!existsSync(FIREFOX))
      throw new Error(
        `${FIREFOX} is missing: apt-get install firefox-esr (scripts/setup.sh does it)`,
      );
    const profile = mkdtempSync(join(tmpdir(), 'tb-firefox-'));
    const prefs = Object.entries(PREFS)
      .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`)
      .join('\n');
    writeFileSync(join(profile, 'user.js'), `${prefs}\n`);
    const child = spawn(
      FIREFOX,
      [
        '--headless',
        '--no-remote',
        '--profile',
        profile,
        '--remote-debugging-port=0',
        'about:blank',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' },
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(
          () => reject(new Error('Firefox did not start BiDi in 30 s')),
          30_000,
        );
        child.stderr!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const found = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(text);
          if (found) {
            clearTimeout(timer);
            resolve(found[1]!);
          }
        });
        child.once('exit', (code) =>
          reject(new Error(`Firefox exited (${code}): ${text.slice(-500)}`)),
        );
      });
      child.stderr!.resume();
      const socket = new WebSocket(`${url}/session`);
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const bidi = new FirefoxBidi(child, socket, profile);
      socket.on('message', (data) => bidi.receive(JSON.parse(String(data)) as Json));
      await bidi.send('session.new', {
        capabilities: { alwaysMatch: { acceptInsecureCerts: false } },
      });
      await bidi.send('session.subscribe', { events: ['log.entryAdded'] });
      // A CSP violation becomes a console error before any page script runs, so errors has it.
      await bidi.send('script.addPreloadScript', {
        functionDeclaration:
          "() => document.addEventListener('securitypolicyviolation', (e) => " +
          "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))",
      });
      const tree = (await bidi.send('browsingContext.getTree', {})) as {
        contexts: { context: string }[];
      };
      bidi.context = tree.contexts[0]!.context;
      return bidi;
    } catch (err) {
      child.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
      throw err;
    }
  }

  send(method: string, params: Json): Promise<Json> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (message) => {
        if (message.type === 'error')
          reject(new Error(`${method}: ${String(message.error)} ${String(message.message)}`));
        else resolve(message.result as Json);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async navigate(url: string): Promise<void> {
    await this.send('browsingContext.navigate', { context: this.context, url, wait: 'complete' });
  }

  /** Evaluates `expression` in the page and returns its value (strings, numbers, booleans). */
  async evaluate(expression: string): Promise<unknown> {
    const reply = (await this.send('script.evaluate', {
      expression,
      target: { context: this.context },
      awaitPromise: true,
    })) as { type: string; result?: { value?: unknown }; exceptionDetails?: { text?: string } };
    if (reply.type !== 'success')
      throw new Error(`page script failed: ${reply.exceptionDetails?.text ?? 'exception'}`);
    return reply.result?.value;
  }

  /** Polls `expression` until it is true (or throws after `ms`). */
  async waitFor(expression: string, what: string, ms = 6000): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if ((await this.evaluate(`Boolean(${expression})`)) === true) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`Firefox: timed out waiting for ${what}`);
  }

  /** Real key presses through the browser's input pipeline: text, then optionally Enter. */
  async type(text: string, enter = false): Promise<void> {
    const keys = [...text, ...(enter ? ['\uE007'] : [])].flatMap((value) => [
      { type: 'keyDown', value },
      { type: 'keyUp', value },
    ]);
    await this.send('input.performActions', {
      context: this.context,
      actions: [{ type: 'key', id: 'keyboard', actions: keys }],
    });
  }

  /**
   * A real mouse click at the middle of the element `selector` matches. (Keys typed through BiDi
   * reach a focused button but this Firefox does not activate it with them, so buttons are clicked.)
   */
  async click(selector: string): Promise<void> {
    const box = (await this.evaluate(
      `(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();` +
        ` return JSON.stringify([Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)]); })()`,
    )) as string;
    const [x, y] = JSON.parse(box) as [number, number];
    await this.send('input.performActions', {
      context: this.context,
      actions: [
        {
          type: 'pointer',
          id: 'mouse',
          parameters: { pointerType: 'mouse' },
          actions: [
            { type: 'pointerMove', x, y },
            { type: 'pointerDown', button: 0 },
            { type: 'pointerUp', button: 0 },
          ],
        },
      ],
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    try {
      await Promise.race([this.send('browser.close', {}), exited]);
    } catch {
      // closing anyway
    }
    this.socket.terminate();
    const killer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    if (this.process.exitCode === null && this.process.signalCode === null) await exited;
    clearTimeout(killer);
    rmSync(this.profile, { recursive: true, force: true });
  }

  private receive(message: Json): void {
    if (typeof message.id === 'number') {
      const resolve = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      resolve?.(message);
      return;
    }
    if (message.method === 'log.entryAdded') {
      const entry = message.params as { level?: string; text?: string; type?: string };
      if (entry.level === 'error') this.errors.push(`${entry.type}: ${entry.text ?? ''}`);
    }
  }
}
