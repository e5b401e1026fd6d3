import {
  findReferences,
  substitute,
  SubstitutionError,
  type SubstitutionScope,
} from '../../../src/qa';

const scope: SubstitutionScope = {
  variable: (name) => ({ pid: 'p_3kq9a1x0', n: 42, yes: true, user: 'alice' })[name],
  otp: (token) => (token === 'key' ? '755224' : undefined),
};

describe('substitute', () => {
  test.each<[string, unknown, unknown]>([
    ['a whole-string variable keeps its type', '${n}', 42],
    ['a boolean stays a boolean', '${yes}', true],
    ['a string variable', '${pid}', 'p_3kq9a1x0'],
    ['an OTP reference', '${otp:key}', '755224'],
    [
      'references inside text are spliced in',
      'user ${user} pairing ${pid}',
      'user alice pairing p_3kq9a1x0',
    ],
    ['a number inside text becomes text', 'n=${n}', 'n=42'],
    ['$${ is a literal ${', 'cost $${n}', 'cost ${n}'],
    ['text without references is unchanged', 'plain $ {n} text', 'plain $ {n} text'],
    ['non-strings are unchanged', 7, 7],
    ['null is unchanged', null, null],
    [
      'nested objects and lists',
      { a: ['${otp:key}', { b: '${n}' }], c: 1 },
      { a: ['755224', { b: 42 }], c: 1 },
    ],
    ['keys are never substituted', { '${pid}': '${pid}' }, { '${pid}': 'p_3kq9a1x0' }],
  ])('%s', (_what, input, expected) => {
    expect(substitute(input, scope)).toEqual(expected);
  });

  test.each<[string, string, RegExp]>([
    ['an unset variable', '${missing}', /\$\{missing\}: variable is not set/],
    ['a token that has not typed', 'code ${otp:other}', /token other has not typed an OTP yet/],
    ['a malformed reference', '${9}', /is not a valid reference/],
  ])('%s fails the step', (_what, input, message) => {
    expect(() => substitute({ a: input }, scope)).toThrow(SubstitutionError);
    expect(() => substitute({ a: input }, scope)).toThrow(message);
  });

  test('the input is not changed', () => {
    const input = { a: ['${n}'] };
    substitute(input, scope);
    expect(input).toEqual({ a: ['${n}'] });
  });
});

describe('findReferences', () => {
  test('lists every reference at any depth, in order, and the malformed ones', () => {
    expect(
      findReferences({ a: 'x ${pid} y ${otp:key}', b: [{ c: '${1bad}' }], d: '$${n}' }),
    ).toEqual([
      { kind: 'var', name: 'pid' },
      { kind: 'otp', token: 'key' },
      { invalid: '${1bad}' },
    ]);
  });
});
