import {
  DaemonMessageSchema,
  decodeLine,
  EmulatorMessageSchema,
  encodeLine,
  LineSplitter,
  MAX_LINE_LENGTH,
} from '../../../drivers/virtual';

describe('emulator bus lines', () => {
  test('splits a stream into lines across chunk boundaries, skipping blank lines', () => {
    const lines = new LineSplitter();
    expect(lines.push('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(lines.push(':2}\n\n')).toEqual(['{"b":2}']);
  });

  test('refuses a line longer than the limit, even before its newline arrives', () => {
    const lines = new LineSplitter();
    expect(() => lines.push('x'.repeat(MAX_LINE_LENGTH + 1))).toThrow(/longer than 4096/);
    expect(() => new LineSplitter().push('y'.repeat(MAX_LINE_LENGTH + 1) + '\n')).toThrow(
      /longer than/,
    );
    expect(new LineSplitter().push('z'.repeat(MAX_LINE_LENGTH) + '\n')).toHaveLength(1);
  });

  test.each([
    ['{"type":"input","report":"0000240000000000"}', true],
    ['{"type":"input","report":"00002400000000"}', false], // 7 bytes
    ['{"type":"input","report":"000024000000000G"}', false],
    ['{"type":"plug","plugged":"yes"}', false],
    ['{"type":"response","id":1,"ok":true}', true],
    ['{"type":"response","id":-1,"ok":true}', false],
    ['{"type":"failure","id":2,"error":{"code":"DEVICE_GONE","message":"gone"}}', true],
    ['{"type":"set-feature","id":1,"report":"0000000000000080"}', false], // daemon's message
    ['[]', false],
    ['nope', false],
  ])('emulator message %s valid: %s', (line, valid) => {
    if (valid) expect(() => decodeLine(EmulatorMessageSchema, line)).not.toThrow();
    else expect(() => decodeLine(EmulatorMessageSchema, line)).toThrow(/bus message/);
  });

  test('daemon messages round-trip through encodeLine', () => {
    const message = { type: 'set-feature', id: 7, report: '0010000000000089' } as const;
    expect(decodeLine(DaemonMessageSchema, encodeLine(message).trim())).toEqual(message);
    expect(() => decodeLine(DaemonMessageSchema, '{"type":"welcome","protocol":1}')).toThrow(
      /protocol/,
    );
  });
});
