import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeAttribute, escapeText, junitXml, type FileResult } from '../../../src/qa';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase'].includes(name),
  processEntities: true,
  htmlEntities: true, // numeric character references (&#10;) are XML; this option decodes them
  parseAttributeValue: false,
  trimValues: false,
});

function parse(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as {
    testsuites: {
      tests: string;
      failures: string;
      errors: string;
      testsuite: Array<{
        name: string;
        tests: string;
        failures: string;
        testcase: Array<{
          name: string;
          classname: string;
          failure?: { message: string; '#text': string };
          error?: { message: string; '#text'?: string };
        }>;
      }>;
    };
  };
}

const files: FileResult[] = [
  {
    path: 'qa/scenarios/pairing.yaml',
    durationMs: 1234,
    scenarios: [
      {
        name: 'passes',
        status: 'passed',
        durationMs: 100,
        steps: [
          { index: 1, kind: 'wait', description: 'wait 1 ms', status: 'passed', durationMs: 1 },
        ],
      },
      {
        name: 'fails <here> & "there"',
        status: 'failed',
        durationMs: 200,
        steps: [
          { index: 1, kind: 'press', description: 'press key', status: 'passed', durationMs: 1 },
          {
            index: 2,
            kind: 'expect-reply',
            description: 'expect-reply {"result":"accepted"}',
            status: 'failed',
            message: 'result: expected "accepted", got "rejected" <&>',
            durationMs: 0,
          },
          { index: 3, kind: 'send', description: 'send ping', status: 'skipped', durationMs: 0 },
        ],
      },
    ],
  },
  {
    path: 'qa/other.json',
    durationMs: 10,
    scenarios: [
      {
        name: 'no daemon',
        status: 'error',
        error: 'the daemon did not start: EADDRINUSE',
        durationMs: 0,
        steps: [],
      },
    ],
  },
];

describe('junitXml', () => {
  test('a testsuite per file, a testcase per scenario, counts on each level', () => {
    const doc = parse(junitXml(files));
    expect(doc.testsuites).toMatchObject({ tests: '3', failures: '1', errors: '1' });
    expect(doc.testsuites.testsuite.map((s) => [s.name, s.tests, s.failures])).toEqual([
      ['qa/scenarios/pairing.yaml', '2', '1'],
      ['qa/other.json', '1', '0'],
    ]);
    const [passed, failed] = doc.testsuites.testsuite[0]!.testcase;
    expect(passed).toMatchObject({ name: 'passes', classname: 'pairing' });
    expect(passed!.failure).toBeUndefined();
    expect(failed!.name).toBe('fails <here> & "there"');
  });

  test('the failure names the step and keeps every step in its body, escaped and parsed back', () => {
    const failed = parse(junitXml(files)).testsuites.testsuite[0]!.testcase[1]!;
    expect(failed.failure!.message).toBe(
      'step 2 (expect-reply) expect-reply {"result":"accepted"}: result: expected "accepted", got "rejected" <&>',
    );
    expect(failed.failure!['#text'].split('\n')).toEqual([
      'PASSED step 1 press key',
      'FAILED step 2 expect-reply {"result":"accepted"}: result: expected "accepted", got "rejected" <&>',
      'SKIPPED step 3 send ping',
    ]);
  });

  test('a scenario that could not run is an error with the reason', () => {
    const errored = parse(junitXml(files)).testsuites.testsuite[1]!.testcase[0]!;
    expect(errored.error!.message).toBe('the daemon did not start: EADDRINUSE');
  });
});

describe('escaping', () => {
  test.each<[string, string, string]>([
    ['markup characters', `a<b>&"c"'d'`, `a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;`],
    [
      'line breaks and tabs survive attribute normalisation',
      'one\ntwo\tthree\r',
      'one&#10;two&#9;three&#13;',
    ],
    [
      'characters XML cannot carry are replaced',
      'nul\u0000 bell\u0007 esc\u001b',
      'nul\uFFFD bell\uFFFD esc\uFFFD',
    ],
    ['a lone surrogate is replaced', 'x\uD800y', 'x\uFFFDy'],
    ['text outside the BMP is kept', 'key \u{1F511}', 'key \u{1F511}'],
  ])('%s', (_what, input, attribute) => {
    expect(escapeAttribute(input)).toBe(attribute);
  });

  test.each([`a<b>&"c"'d'`, 'one\ntwo\tthree', 'x]]>y', 'nul\u0000', 'é and \u{1F511}'])(
    'round trip of %j through an attribute and text',
    (input) => {
      const xml = `<r a="${escapeAttribute(input)}">${escapeText(input)}</r>`;
      const parsed = parse(xml) as unknown as { r: { a: string; '#text': string } };
      const expected = input.split('\u0000').join('\uFFFD');
      expect(parsed.r.a).toBe(expected);
      expect(parsed.r['#text']).toBe(expected);
    },
  );
});
