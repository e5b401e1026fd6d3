import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenarioText, ScenarioFileError } from '../../../src/qa';

const SHIPPED = join(__dirname, '..', '..', '..', 'qa', 'scenarios');

function problemsOf(path: string, text: string): readonly string[] {
  try {
    parseScenarioText(path, text);
  } catch (err) {
    if (err instanceof ScenarioFileError) return err.problems;
    throw err;
  }
  throw new Error('expected the file to be refused');
}

const HEAD = 'name: x\ntokens: { k: "hotp:serial=12" }\n';

describe('scenario files that validate', () => {
  test.each(readdirSync(SHIPPED).filter((f) => /\.(ya?ml|json)$/.test(f)))('shipped %s', (file) => {
    const parsed = parseScenarioText(file, readFileSync(join(SHIPPED, file), 'utf8'));
    expect(parsed.scenarios.length).toBeGreaterThan(0);
    for (const s of parsed.scenarios) expect(s.steps.length).toBeGreaterThan(0);
  });

  test('YAML and JSON of the same scenario give the same steps, with defaults applied', () => {
    const yaml = `${HEAD}steps:\n  - press: k\n  - { press: { token: k, slot: 2 }, name: second slot }\n  - send: { type: ping }\n  - expect-reply: { match: { pong: true } }\n`;
    const json = JSON.stringify({
      name: 'x',
      tokens: { k: 'hotp:serial=12' },
      steps: [
        { press: 'k' },
        { press: { token: 'k', slot: 2 }, name: 'second slot' },
        { send: { type: 'ping' } },
        { 'expect-reply': { match: { pong: true } } },
      ],
    });
    const a = parseScenarioText('a.yaml', yaml).scenarios[0]!;
    const b = parseScenarioText('a.json', json).scenarios[0]!;
    expect(a.steps).toEqual(b.steps);
    expect(a.steps[0]).toEqual({ kind: 'press', value: { token: 'k', slot: 1 } });
    expect(a.steps[1]).toEqual({
      kind: 'press',
      value: { token: 'k', slot: 2 },
      label: 'second slot',
    });
    expect(a.clients).toEqual([{ name: 'page' }]);
    expect(a.tokens).toMatchObject([{ name: 'k', plugged: true, spec: { serial: 12 } }]);
  });

  test('a scenarios list keeps its order; variables count as defined', () => {
    const text = [
      'scenarios:',
      '  - name: one',
      '    variables: { user: alice }',
      '    steps: [{ send: { type: signon.verify, params: { user: "${user}", passcode: "123456" } } }]',
      '  - name: two',
      '    tokens: { t: { spec: yubico, plugged: false } }',
      '    steps: [{ plug: t }, { fault: { token: t, kind: stall, ms: 10 } }]',
    ].join('\n');
    const file = parseScenarioText('list.yaml', text);
    expect(file.scenarios.map((s) => s.name)).toEqual(['one', 'two']);
    expect(file.scenarios[1]!.tokens[0]!.plugged).toBe(false);
  });

  test('a variable saved by an earlier step may be used later', () => {
    const text =
      'name: x\nsteps:\n  - send: { type: pairing.start, params: { user: a }, save: { pid: pairingId } }\n  - send: { type: pairing.cancel, params: { pairingId: "${pid}" } }\n';
    expect(parseScenarioText('a.yaml', text).scenarios[0]!.steps).toHaveLength(2);
  });
});

describe('broken scenario files: each problem names the file, the step and the field', () => {
  test.each<[string, string, string, string]>([
    [
      'unknown token in a step',
      'a.yaml',
      'name: x\nsteps: [{ press: k }]',
      'a.yaml: scenario "x", step 1 (press): unknown token "k"',
    ],
    [
      'slot out of range',
      'a.yaml',
      `${HEAD}steps: [{ press: { token: k, slot: 3 } }]`,
      'step 1 (press): slot: expected 1 or 2, got number 3',
    ],
    [
      'unknown fault kind',
      'a.yaml',
      `${HEAD}steps: [{ press: k }, { fault: { token: k, kind: melt } }]`,
      'step 2 (fault): kind: expected one of garbage, crc-corruption, stall, slow-typing, unplug-mid-transfer',
    ],
    [
      'fault parameter missing',
      'a.yaml',
      `${HEAD}steps: [{ fault: { token: k, kind: stall } }]`,
      'step 1 (fault): ms: required (number)',
    ],
    [
      'fault parameter of another kind',
      'a.yaml',
      `${HEAD}steps: [{ fault: { token: k, kind: crc-corruption, ms: 5 } }]`,
      'step 1 (fault): unknown key "ms"',
    ],
    [
      'two kinds in one step',
      'a.yaml',
      `${HEAD}steps: [{ wait: 10, press: k }]`,
      'step 1: more than one step kind (wait, press)',
    ],
    [
      'unknown step kind',
      'a.yaml',
      'name: x\nsteps: [{ wait: 1 }, { jump: 1 }]',
      'step 2: unknown step "jump"; expected exactly one of plug',
    ],
    [
      'variable used before it is saved',
      'a.yaml',
      'name: x\nsteps: [{ send: { type: ping, params: { a: "${pid}" } } }]',
      'step 1 (send): params: ${pid} is used before any step saves it',
    ],
    [
      'otp of an unknown token',
      'a.yaml',
      'name: x\nsteps: [{ expect-event: { type: otp, match: { otp: "${otp:nope}" } } }]',
      'step 1 (expect-event): match: ${otp:nope}: unknown token "nope"',
    ],
    [
      'a malformed reference',
      'a.yaml',
      'name: x\nsteps: [{ send: { type: ping, params: { a: "${1x}" } } }]',
      'step 1 (send): params: ${1x} is not a reference',
    ],
    [
      'unknown client',
      'a.yaml',
      'name: x\nsteps: [{ send: { client: bob, type: ping } }]',
      'step 1 (send): unknown client "bob" (known: page)',
    ],
    [
      'a bad virtual spec',
      'a.yaml',
      'name: x\ntokens: { k: "hotp:serial=abc" }\nsteps: [{ wait: 1 }]',
      'scenario "x", tokens.k: virtual spec: serial: expected an integer',
    ],
    ['no steps', 'a.yaml', 'name: x\nsteps: []', 'scenario "x", steps: expected at least 1 item'],
    ['no name', 'a.yaml', 'steps: [{ wait: 1 }]', 'a.yaml: scenario, name: required (string)'],
    [
      'a misspelt top-level key',
      'a.yaml',
      'name: x\nstep: [{ wait: 1 }]',
      'scenario "x": unknown key "step"',
    ],
    [
      'negative wait',
      'a.yaml',
      'name: x\nsteps: [{ wait: -1 }]',
      'step 1 (wait): expected at least 0',
    ],
    [
      'a bad clock',
      'a.yaml',
      'name: x\nsteps: [{ set-clock: { at: yesterday } }]',
      'step 1 (set-clock): at: expected an ISO 8601 date-time or Unix ms',
    ],
    [
      'a duration as text',
      'a.yaml',
      'name: x\nsteps: [{ expect-event: { type: otp, within: "2s" } }]',
      'step 1 (expect-event): within: expected number, got string "2s"',
    ],
    [
      'a bad variable name in save',
      'a.yaml',
      'name: x\nsteps: [{ send: { type: ping, save: { "1x": a } } }]',
      'step 1 (send): save.1x: invalid key',
    ],
    [
      'a bad field path in save',
      'a.yaml',
      'name: x\nsteps: [{ send: { type: ping, save: { a: "error..code" } } }]',
      'step 1 (send): save.a: expected a dotted field path',
    ],
    ['YAML syntax', 'a.yaml', 'name: [x', 'a.yaml: not valid YAML: line 1:'],
    [
      'duplicate YAML keys',
      'a.yaml',
      'name: x\nname: y\nsteps: [{ wait: 1 }]',
      'a.yaml: not valid YAML',
    ],
    ['JSON syntax', 'a.json', '{"name": "x", "steps": [{"wait": 1}],}', 'a.json: not valid JSON'],
    [
      'the second scenario of a list',
      'a.yaml',
      'scenarios:\n  - name: one\n    steps: [{ wait: 1 }]\n  - name: two\n    steps: [{ plug: k }]',
      'scenario "two", step 1 (plug): unknown token "k"',
    ],
    [
      'registry names an unknown token',
      'a.yaml',
      'name: x\nregistry: [k]\nsteps: [{ wait: 1 }]',
      'scenario "x", registry.0: unknown token "k"',
    ],
    [
      'explicit registry record without a secret',
      'a.yaml',
      'name: x\nregistry: [{ serial: 1, kind: hotp }]\nsteps: [{ wait: 1 }]',
      'registry.0.secret: required (string)',
    ],
    [
      'a step that is not an object',
      'a.yaml',
      'name: x\nsteps: [{ wait: 1 }, 5]',
      'step 2: expected an object such as { press: my-token }, got number',
    ],
    ['a list at the top', 'a.yaml', '- 1', 'a.yaml: expected a scenario'],
    [
      'two tokens with one serial',
      'a.yaml',
      'name: x\ntokens: { a: "hotp:serial=5", b: "yubico:serial=5" }\nsteps: [{ wait: 1 }]',
      'scenario "x", tokens.b: same serial 5 as token "a"',
    ],
    [
      'a registry token with an empty slot 1',
      'a.yaml',
      'name: x\ntokens: { a: "blank:serial=5" }\nregistry: [a]\nsteps: [{ wait: 1 }]',
      'registry.0: token "a" has nothing programmed in slot 1 to import',
    ],
    [
      'a client listed twice',
      'a.yaml',
      'name: x\nclients: [a, a]\nsteps: [{ wait: 1 }]',
      'scenario "x", clients: client "a" is listed twice',
    ],
  ])('%s', (_what, path, text, expected) => {
    const problems = problemsOf(path, text);
    expect(problems.some((p) => p.includes(expected))).toBe(true);
    for (const p of problems) expect(p.startsWith(`${path}: `)).toBe(true);
  });

  test('every problem of a file is reported, not only the first', () => {
    const problems = problemsOf(
      'a.yaml',
      'name: x\nsteps: [{ press: k }, { wait: -1 }, { jump: 1 }]',
    );
    expect(problems.map((p) => /step (\d)/.exec(p)?.[1])).toEqual(['1', '2', '3']);
  });

  test('a secret in a bad spec is not echoed', () => {
    const problems = problemsOf(
      'a.yaml',
      'name: x\ntokens: { k: "hotp:secret=zz3132333435" }\nsteps: [{ wait: 1 }]',
    );
    expect(problems.join('\n')).not.toContain('3132333435');
  });
});
