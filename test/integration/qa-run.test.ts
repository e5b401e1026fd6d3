import { XMLParser } from 'fast-xml-parser';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTokenbridge } from '../helpers/cli';

const SCENARIOS = join(__dirname, '..', '..', 'qa', 'scenarios');
const shipped = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(SCENARIOS, f));

// The RFC 4226 seed: the token types 755224, then 287082.
const RFC_TOKEN = 'hotp:serial=9001,secret=3132333435363738393031323334353637383930,pacing=0';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase'].includes(name),
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-qa-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function scenario(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('tokenbridge qa run, in process', () => {
  test('every shipped scenario passes, each file against its own daemon, with a clean JUnit report', async () => {
    const junit = join(dir, 'reports', 'qa.xml');
    const result = await runTokenbridge(['qa', 'run', ...shipped, '--junit', junit]);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toMatch(/FAIL|ERROR/);
    expect(result.stdout).toMatch(
      new RegExp(
        `${shipped.length} scenarios in ${shipped.length} files: ${shipped.length} passed, 0 failed`,
      ),
    );
    expect(result.code).toBe(0);
    const doc = parser.parse(readFileSync(junit, 'utf8'));
    expect(doc.testsuites).toMatchObject({
      tests: String(shipped.length),
      failures: '0',
      errors: '0',
    });
    expect(doc.testsuites.testsuite).toHaveLength(shipped.length);
  }, 30_000);

  test('a failing step exits 1, names the step, skips the rest, and OTPs stay redacted', async () => {
    const path = scenario(
      'failing.yaml',
      [
        'name: wrong expectation',
        `tokens: { key: "${RFC_TOKEN}" }`,
        'registry: [key]',
        'steps:',
        '  - press: key',
        '  - expect-event: { type: otp, match: { serial: "9001" }, save: { code: otp } }',
        '  - expect-event: { type: otp, match: { otp: "000000" }, within: 200 }',
        '  - send: { type: ping }',
      ].join('\n'),
    );
    const junit = join(dir, 'junit.xml');
    const result = await runTokenbridge(['qa', 'run', path, '--junit', junit]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL  3 expect-event otp {"otp":"******"} within 200 ms');
    expect(result.stdout).toContain('no otp event matching {"otp":"******"} within 200 ms');
    expect(result.stdout).toContain('skip  4 send ping');
    expect(result.stdout).toContain('FAILED wrong expectation at step 3 (expect-event)');
    expect(result.stdout).toContain('0 passed, 1 failed');
    expect(result.stdout).not.toContain('755224');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).not.toContain('755224');
    const testcase = parser.parse(xml).testsuites.testsuite[0].testcase[0];
    expect(testcase.name).toBe('wrong expectation');
    expect(testcase.failure.message).toMatch(/^step 3 \(expect-event\) expect-event otp/);
  });

  test('a mismatch that involves a typed OTP shows it redacted', async () => {
    const path = scenario(
      'otp-mismatch.yaml',
      [
        'name: mismatch',
        `tokens: { key: "${RFC_TOKEN}" }`,
        'steps:',
        '  - press: key',
        '  - expect-event: { type: otp, match: { otp: "111111" }, within: 300 }',
      ].join('\n'),
    );
    const result = await runTokenbridge(['qa', 'run', path]);
    expect(result.code).toBe(1);
    // The scenario's own literal is shown; the code the token typed is not.
    expect(result.stdout).toContain('otp: expected "111111", got "******"');
    expect(result.stdout).not.toMatch(/755224/);
  });

  test('--json prints the results as one document', async () => {
    const path = scenario(
      'ping.json',
      JSON.stringify({
        name: 'ping',
        steps: [{ send: { type: 'ping' } }, { 'expect-reply': { match: { pong: true } } }],
      }),
    );
    const result = await runTokenbridge(['qa', 'run', '--json', path]);
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc.totals).toEqual({ scenarios: 1, passed: 1, failed: 0, errors: 0, steps: 2 });
    expect(doc.files[0].scenarios[0].steps.map((s: { status: string }) => s.status)).toEqual([
      'passed',
      'passed',
    ]);
  });

  test('bad files exit 2 before anything runs, with one line per problem', async () => {
    const good = scenario('good.yaml', 'name: good\nsteps: [{ wait: 1 }]');
    const bad = scenario('bad.yaml', 'name: bad\nsteps: [{ press: nope }, { wait: "x" }]');
    const result = await runTokenbridge(['qa', 'run', good, bad, join(dir, 'missing.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `tokenbridge: ${bad}: scenario "bad", step 1 (press): unknown token "nope" (the scenario declares no tokens)`,
      `tokenbridge: ${bad}: scenario "bad", step 2 (wait): expected number, got string "x"`,
      `tokenbridge: ${join(dir, 'missing.yaml')}: cannot read the file (ENOENT)`,
    ]);
  });

  test.each<[string[], RegExp]>([
    [['--socket', '/tmp/x.sock'], /--socket needs --daemon/],
    [['--daemon', 'http://127.0.0.1:1/ws'], /--daemon: expected a ws:\/\/ URL/],
    [['--daemon', 'nonsense'], /--daemon: expected a URL/],
    [['--daemon', 'ws://127.0.0.1:1/ws', '--origin', 'http://x/y'], /--origin: expected an origin/],
  ])('bad flags %j exit 2', async (flags, message) => {
    const path = scenario('ok.yaml', 'name: ok\nsteps: [{ wait: 1 }]');
    const result = await runTokenbridge(['qa', 'run', ...flags, path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
