import type { Logger } from '../../../src/core';
import { KeyboardOtpAssembler, type AssemblerEvent } from '../../../src/yubikey';
import { bytes } from '../../helpers/scripted-connection';
import { KEY_UP, typedReports } from '../../vectors/keyboard';

const YUBICO_OTP = 'ccccccjlkgjlevtdernkbbnrrvhcvdbljgchbgbdbvgk';

/** A Logger that keeps every line it is given, to check what reaches the log. */
function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const write = (obj: object | string, msg?: string) =>
      lines.push(JSON.stringify({ ...bindings, obj, msg }));
    return {
      trace: write,
      debug: write,
      info: write,
      warn: write,
      error: write,
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return { logger: make({}), lines };
}

/** Feeds reports `stepMs` apart starting at `start`; returns every event. */
function feedAll(
  assembler: KeyboardOtpAssembler,
  reports: readonly string[],
  start = 0,
  stepMs = 5,
): AssemblerEvent[] {
  return reports.flatMap((r, i) => assembler.feed(bytes(r), start + i * stepMs));
}

describe('KeyboardOtpAssembler', () => {
  test('emits a Yubico OTP on Enter, classified', () => {
    const assembler = new KeyboardOtpAssembler();
    const events = feedAll(assembler, typedReports(YUBICO_OTP));
    expect(events).toEqual([
      {
        type: 'otp',
        text: YUBICO_OTP,
        otp: {
          format: 'yubico',
          publicId: 'ccccccjlkgjl',
          token: YUBICO_OTP.slice(12),
          otp: YUBICO_OTP,
        },
      },
    ]);
    expect(assembler.stats).toEqual({ reports: 90, ignoredReports: 0, otps: 1, discarded: 0 });
    expect(assembler.pending).toBe(false);
  });

  test('emits an OATH-HOTP code typed on the keypad, ended by keypad Enter', () => {
    const assembler = new KeyboardOtpAssembler({ hotpDigits: 6 });
    const reports = [
      ...typedReports('ubhe07050602154916', { keypad: true, enter: false }),
      '00 00 58 00 00 00 00 00',
      KEY_UP,
    ];
    expect(feedAll(assembler, reports)).toEqual([
      {
        type: 'otp',
        text: 'ubhe07050602154916',
        otp: { format: 'oath-hotp', tokenId: 'ubhe07050602', code: '154916', digits: 6 },
      },
    ]);
  });

  test('emits consecutive OTPs separately', () => {
    const assembler = new KeyboardOtpAssembler();
    const events = feedAll(assembler, [...typedReports('755224'), ...typedReports('287082')]);
    expect(events.map((e) => e.type === 'otp' && e.text)).toEqual(['755224', '287082']);
  });

  test('drops keystrokes with no Enter within the timeout, with a warning free of them', () => {
    const { logger, lines } = capturingLogger();
    const assembler = new KeyboardOtpAssembler({ timeoutMs: 1000, logger });
    expect(feedAll(assembler, typedReports('cccccc', { enter: false }), 0, 5)).toEqual([]);
    const lastKeyAt = 50; // the sixth key-down report
    expect(assembler.expiresAt()).toBe(lastKeyAt + 1001);
    expect(assembler.expire(lastKeyAt + 1000)).toEqual([]);
    const events = assembler.expire(lastKeyAt + 1001);
    expect(events).toEqual([
      expect.objectContaining({ type: 'discarded', reason: 'timeout', length: 6 }),
    ]);
    expect(JSON.stringify(events)).not.toContain('cccccc');
    expect(lines.some((l) => l.includes('"reason":"timeout"'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/ccc/);
    expect(assembler.pending).toBe(false);
  });

  test('keys long after a timely timeout start afresh', () => {
    const assembler = new KeyboardOtpAssembler({ timeoutMs: 1000 });
    feedAll(assembler, typedReports('cbdefg', { enter: false }));
    // The daemon's timer runs expire() on time, as it does when the event loop is free.
    expect(assembler.expire(assembler.expiresAt()!)).toHaveLength(1);
    const events = feedAll(assembler, typedReports('755224'), 5000);
    expect(events).toEqual([expect.objectContaining({ type: 'otp', text: '755224' })]);
  });

  // An input typed 5 ms a key, cut after `cutAfter` characters by a pause of `pauseMs` (the daemon
  // stalled), then the rest with its Enter. `timer`: when the daemon's expiry timer ran: 'none' (the
  // next key found the keys stale), 'due' (on time, during the pause), 'late' (as the stall ended,
  // just before the queued keys).
  test.each([
    ['Yubico OTP, 4 keys then a stall', YUBICO_OTP, 4, 1500, 'none', ['timeout', 'partial']],
    [
      'HOTP with token id, stall after 10',
      'ubhe07050602154916',
      10,
      1500,
      'none',
      ['timeout', 'partial'],
    ],
    [
      'Yubico OTP, timer late after the stall',
      YUBICO_OTP,
      20,
      1300,
      'late',
      ['timeout', 'partial'],
    ],
    [
      'Yubico OTP, timer on time, keys 199 ms after it',
      YUBICO_OTP,
      20,
      1200,
      'due',
      ['timeout', 'partial'],
    ],
    ['a pause shorter than the timeout', YUBICO_OTP, 20, 900, 'none', ['otp']],
  ] as const)('%s', (_what, text, cutAfter, pauseMs, timer, expected) => {
    const assembler = new KeyboardOtpAssembler({ timeoutMs: 1000, resumeGuardMs: 250 });
    const head = typedReports(text.slice(0, cutAfter), { enter: false });
    const events = feedAll(assembler, head);
    const restAt = assembler.expiresAt()! - 1001 + pauseMs;
    if (timer === 'due') events.push(...assembler.expire(assembler.expiresAt()!));
    if (timer === 'late') events.push(...assembler.expire(restAt));
    events.push(...feedAll(assembler, typedReports(text.slice(cutAfter)), restAt));
    expect(events.map((e) => (e.type === 'otp' ? e.text : e.reason))).toEqual(
      expected.map((k) => (k === 'otp' ? text : k)),
    );
  });

  test('a resumed stream drops keys that start within the guard, up to their Enter, then types on', () => {
    const { logger, lines } = capturingLogger();
    const assembler = new KeyboardOtpAssembler({ resumeGuardMs: 250, logger });
    assembler.resumeAt(1000);
    const tail = YUBICO_OTP.slice(6);
    const events = feedAll(assembler, typedReports(tail), 1002);
    expect(events).toEqual([
      expect.objectContaining({ type: 'discarded', reason: 'partial', length: tail.length }),
    ]);
    expect(lines.join('\n')).not.toContain(tail.slice(0, 8));
    expect(lines.some((l) => l.includes('"reason":"partial"'))).toBe(true);
    expect(feedAll(assembler, typedReports(YUBICO_OTP), 1100)).toEqual([
      expect.objectContaining({ type: 'otp', text: YUBICO_OTP }),
    ]);
  });

  test('a resumed stream whose first keys come after the guard is whole', () => {
    const assembler = new KeyboardOtpAssembler({ resumeGuardMs: 250 });
    assembler.resumeAt(1000);
    expect(feedAll(assembler, typedReports(YUBICO_OTP), 1251)).toEqual([
      expect.objectContaining({ type: 'otp', text: YUBICO_OTP }),
    ]);
  });

  test('an Enter alone right after the stream was lost ends the guard', () => {
    const assembler = new KeyboardOtpAssembler({ resumeGuardMs: 250 });
    assembler.resumeAt(1000);
    expect(feedAll(assembler, typedReports(''), 1001)).toEqual([]);
    expect(feedAll(assembler, typedReports('755224'), 1020)).toEqual([
      expect.objectContaining({ type: 'otp', text: '755224' }),
    ]);
  });

  test('an Enter right at the timeout still ends the OTP', () => {
    const assembler = new KeyboardOtpAssembler({ timeoutMs: 1000 });
    const events = [
      ...assembler.feed(bytes('00 00 22 00 00 00 00 00'), 0),
      ...assembler.feed(bytes(KEY_UP), 1),
    ];
    for (const [i, ch] of [...'55224'].entries()) {
      events.push(...feedAll(assembler, typedReports(ch, { enter: false }), 10 + i * 10, 1));
    }
    events.push(...assembler.feed(bytes('00 00 28 00 00 00 00 00'), 50 + 1000));
    expect(events).toEqual([expect.objectContaining({ type: 'otp', text: '555224' })]);
  });

  test('a static password is never emitted nor logged, and is counted as not an OTP', () => {
    const { logger, lines } = capturingLogger();
    const assembler = new KeyboardOtpAssembler({ logger });
    // "cbd" + 'a' + "vv" + '!' + "12": modhex and digits around keys no OTP contains.
    const reports = [
      ...typedReports('cbd', { enter: false }),
      '00 00 04 00 00 00 00 00',
      KEY_UP,
      ...typedReports('vv', { enter: false }),
      '02 00 1e 00 00 00 00 00',
      KEY_UP,
      ...typedReports('12'),
    ];
    const events = feedAll(assembler, reports);
    expect(events).toEqual([
      expect.objectContaining({ type: 'discarded', reason: 'not-an-otp', length: 9 }),
    ]);
    expect(JSON.stringify(events) + lines.join('\n')).not.toMatch(/cbd|vv|12/);
    expect(assembler.stats.otps).toBe(0);
  });

  test('modhex-and-digit text that is no OTP format is not emitted', () => {
    const assembler = new KeyboardOtpAssembler();
    expect(feedAll(assembler, typedReports('cbdefg'))).toEqual([
      expect.objectContaining({ type: 'discarded', reason: 'not-an-otp', length: 6 }),
    ]);
  });

  test('input longer than the longest OTP is not emitted', () => {
    const assembler = new KeyboardOtpAssembler();
    const events = feedAll(assembler, typedReports('c'.repeat(66)));
    expect(events).toEqual([
      expect.objectContaining({ type: 'discarded', reason: 'not-an-otp', length: 66 }),
    ]);
  });

  test('a not-an-OTP buffer that times out is reported as not an OTP', () => {
    const assembler = new KeyboardOtpAssembler({ timeoutMs: 100 });
    feedAll(assembler, ['00 00 04 00 00 00 00 00', KEY_UP]);
    expect(assembler.expire(1000)).toEqual([
      expect.objectContaining({ type: 'discarded', reason: 'not-an-otp', length: 1 }),
    ]);
  });

  test('garbage and rollover reports in the middle change nothing but the count', () => {
    const assembler = new KeyboardOtpAssembler();
    const reports = typedReports('755224');
    reports.splice(3, 0, '00 ff 00 00 00 00 00 00', '00 00 01 01 01 01 01 01', '13 37');
    const events = feedAll(assembler, reports);
    expect(events).toEqual([expect.objectContaining({ type: 'otp', text: '755224' })]);
    expect(assembler.stats.ignoredReports).toBe(3);
  });

  test('Enter alone emits nothing', () => {
    const assembler = new KeyboardOtpAssembler();
    expect(feedAll(assembler, typedReports(''))).toEqual([]);
    expect(assembler.expiresAt()).toBeUndefined();
  });

  test('reset forgets pending keystrokes and held keys', () => {
    const assembler = new KeyboardOtpAssembler();
    assembler.feed(bytes('00 00 06 00 00 00 00 00'), 0);
    assembler.reset();
    expect(assembler.pending).toBe(false);
    // The same key still down after the reset counts as a new press.
    assembler.feed(bytes('00 00 22 00 00 00 00 00'), 1);
    expect(assembler.pending).toBe(true);
  });
});
