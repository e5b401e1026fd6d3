import { ErrorCode } from '../../../src/core';
import {
  decodeFlags,
  decodeStatus,
  formatVersion,
  programmingSequenceAdvanced,
} from '../../../src/yubikey';
import { bytes } from '../../helpers/scripted-connection';
import { FLAG_VECTORS, STATUS_VECTORS } from '../../vectors/frames';

describe('status report', () => {
  test.each(STATUS_VECTORS)('$report', ({ report, version, ...rest }) => {
    const status = decodeStatus(bytes(report));
    expect(status.version).toEqual({ major: version[0], minor: version[1], build: version[2] });
    expect(status).toMatchObject(rest);
  });

  test('formats the firmware version', () => {
    expect(formatVersion(decodeStatus(bytes(STATUS_VECTORS[0]!.report)).version)).toBe('5.4.3');
  });

  test.each([7, 9])('a %i-byte report is PROTOCOL_BAD_REPORT', (size) => {
    expect(() => decodeStatus(new Uint8Array(size))).toThrow(
      expect.objectContaining({ code: ErrorCode.PROTOCOL_BAD_REPORT }),
    );
  });
});

describe('flags byte', () => {
  test.each(FLAG_VECTORS)('flags byte $flags (decimal) -> $meaning.kind', ({ flags, meaning }) => {
    expect(decodeFlags(flags)).toEqual(meaning);
  });
});

describe('programming sequence', () => {
  test.each([
    { before: 3, after: '00 05 04 03 04 05 00 00', advanced: true, why: 'went up by one' },
    { before: 3, after: '00 05 04 03 03 05 00 00', advanced: false, why: 'unchanged' },
    { before: 3, after: '00 05 04 03 05 05 00 00', advanced: false, why: 'jumped by two' },
    { before: 3, after: '00 05 04 03 00 00 00 00', advanced: true, why: 'both slots erased' },
    { before: 3, after: '00 05 04 03 00 01 00 00', advanced: false, why: '0 but slot 1 valid' },
    { before: 0, after: '00 05 04 03 00 00 00 00', advanced: false, why: 'was already 0' },
  ])('$why: $advanced', ({ before, after, advanced }) => {
    expect(programmingSequenceAdvanced(before, decodeStatus(bytes(after)))).toBe(advanced);
  });
});
