import { PassThrough } from 'node:stream';
import { HumanLogStream, humanTerminal } from '../../../src/cli/human-log';

const UTC = (time: number) => new Date(time).toISOString().slice(11, 19);
const AT = Date.UTC(2026, 0, 2, 3, 4, 5);

function line(record: Record<string, unknown>): string {
  return JSON.stringify({ time: AT, name: 'tokenbridge', pid: 1, hostname: 'h', ...record });
}

describe('the daemon log as a person reads it', () => {
  test.each<[string, Record<string, unknown>, string]>([
    [
      'an event: its message, then its fields',
      {
        level: 30,
        module: 'devices',
        device: 'ab12',
        format: 'oath-hotp',
        otp: '******',
        msg: 'otp',
      },
      '03:04:05 otp device=ab12 format=oath-hotp otp=******',
    ],
    [
      'text with spaces is quoted, lists and numbers as JSON',
      { level: 30, model: 'YubiKey 4/5', serials: ['1', '2'], n: 3, msg: 'attached' },
      '03:04:05 attached model="YubiKey 4/5" serials=["1","2"] n=3',
    ],
    [
      'a warning says so',
      { level: 40, reason: 'no USB bus', msg: 'driver unavailable' },
      '03:04:05 WARN driver unavailable reason="no USB bus"',
    ],
    ['an error too', { level: 50, msg: 'hello failed' }, '03:04:05 ERROR hello failed'],
  ])('%s', (_name, record, text) => {
    const stream = new HumanLogStream(new PassThrough(), UTC);
    stream.open();
    expect(stream.format(line(record))).toBe(text);
  });

  test('until open(), info lines are held back and warnings shown; lines may come in pieces', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const stream = new HumanLogStream(out, UTC);
    const info = line({ level: 30, msg: 'listening' });
    stream.write(info + '\n' + line({ level: 40, msg: 'careful' }).slice(0, 20));
    stream.write(line({ level: 40, msg: 'careful' }).slice(20) + '\n');
    stream.open();
    stream.write(line({ level: 30, msg: 'otp' }) + '\nnot json\n');
    expect(text).toBe('03:04:05 WARN careful\n03:04:05 otp\nnot json\n');
  });

  test.each<[string, boolean | undefined, NodeJS.ProcessEnv, boolean]>([
    ['a terminal', true, {}, true],
    ['a pipe', undefined, {}, false],
    ['a terminal under systemd (a service)', true, { INVOCATION_ID: 'x' }, false],
    ['journald', true, { JOURNAL_STREAM: '8:1' }, false],
  ])('%s', (_name, isTTY, env, human) => {
    expect(humanTerminal({ isTTY }, env)).toBe(human);
  });
});
