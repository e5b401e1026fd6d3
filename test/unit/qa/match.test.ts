import { matches, mismatches, readPath } from '../../../src/qa';

const reply = {
  id: 3,
  ok: false,
  error: { code: 'TOKEN_PAIRED', message: 'token 5000001 is paired' },
  devices: [{ id: 'd1', serial: '1001' }],
  attemptsLeft: 2,
};

describe('mismatches', () => {
  test.each<[string, Record<string, unknown>, string[]]>([
    ['a dotted path', { 'error.code': 'TOKEN_PAIRED' }, []],
    ['a nested object matches partially', { error: { code: 'TOKEN_PAIRED' } }, []],
    ['a YAML number matches the wire string', { 'devices.0.serial': 1001 }, []],
    ['a string matches a number', { attemptsLeft: '2' }, []],
    ['booleans', { ok: false }, []],
    ['null means absent', { sessionToken: null }, []],
    ['a list matches element by element', { devices: [{ id: 'd1' }] }, []],
    [
      'a wrong value',
      { 'error.code': 'TOKEN_NOT_FOUND' },
      ['error.code: expected "TOKEN_NOT_FOUND", got "TOKEN_PAIRED"'],
    ],
    ['a missing field', { result: 'accepted' }, ['result: expected "accepted", got nothing']],
    [
      'present where absence was expected',
      { error: null },
      ['error: expected absent, got {"code":"TOKEN_PAIRED","message":"token 5000001 is paired"}'],
    ],
    ['a list of another length', { devices: [] }, ['devices: expected 0 items, got 1']],
    [
      'an object where a scalar is',
      { attemptsLeft: { n: 2 } },
      ['attemptsLeft: expected an object, got 2'],
    ],
    ['a list where a scalar is', { ok: [1] }, ['ok: expected a list of 1, got false']],
    ['true is not "false"', { ok: true }, ['ok: expected true, got false']],
    [
      'every mismatch is listed',
      { ok: true, attemptsLeft: 1 },
      ['ok: expected true, got false', 'attemptsLeft: expected 1, got 2'],
    ],
  ])('%s', (_what, expected, problems) => {
    expect(mismatches(reply, expected)).toEqual(problems);
    expect(matches(reply, expected)).toBe(problems.length === 0);
  });

  test('no expectation matches anything', () => {
    expect(matches({ a: 1 }, undefined)).toBe(true);
  });
});

describe('readPath', () => {
  test.each<[string, unknown]>([
    ['error.code', 'TOKEN_PAIRED'],
    ['devices.0.id', 'd1'],
    ['devices.1.id', undefined],
    ['ok.deeper', undefined],
    ['nothing', undefined],
  ])('%s', (path, value) => {
    expect(readPath(reply, path)).toEqual(value);
  });
});
