import fc from 'fast-check';
import { appendComplementedCrc, crc16, ErrorCode, fromHex, ProtocolError } from '../../../src/core';
import { buildFrame, frameReports, resetReport, verifyResponse } from '../../../src/yubikey';
import { bytes, hex } from '../../helpers/scripted-connection';
import { FRAME_VECTORS, HMAC_RESPONSE, RESET_REPORT } from '../../vectors/frames';

describe('frame codec', () => {
  test.each(FRAME_VECTORS)('$name', ({ command, payload, reports }) => {
    const frame = buildFrame(command, fromHex(payload));
    expect(frame).toHaveLength(70);
    expect(frameReports(frame).map(hex)).toEqual(reports);
  });

  test('the frame holds payload, command, raw CRC little-endian and three filler zeros', () => {
    const frame = buildFrame(0x10);
    expect(hex(frame.subarray(64))).toBe('10 6b 5b 00 00 00');
    expect(frame.subarray(0, 64).every((b) => b === 0)).toBe(true);
  });

  test('the reset report is seven zeros and 0x8f', () => {
    expect(hex(resetReport())).toBe(RESET_REPORT);
  });

  test.each([
    ['a command over a byte', () => buildFrame(0x100)],
    ['a negative command', () => buildFrame(-1)],
    ['a payload over 64 bytes', () => buildFrame(0x30, new Uint8Array(65))],
    ['a frame of the wrong size', () => frameReports(new Uint8Array(69))],
  ])('rejects %s', (_name, build) => {
    expect(build).toThrow(/command|payload|frame/);
  });
});

describe('response verification', () => {
  test('returns the data of a response whose CRC leaves the good residue', () => {
    const raw = bytes(
      HMAC_RESPONSE.reports
        .slice(0, 4)
        .map((r) => r.slice(0, 20))
        .join(' '),
    );
    expect(hex(verifyResponse(raw, 20)).replace(/ /g, '')).toBe(HMAC_RESPONSE.data);
  });

  test('accepts data of any length with its complemented CRC', () => {
    const framed = appendComplementedCrc(fromHex('006b956a'));
    expect(hex(framed)).toBe('00 6b 95 6a 8c 7b');
    expect(hex(verifyResponse(framed, 4))).toBe('00 6b 95 6a');
  });

  test('a flipped bit is PROTOCOL_CRC', () => {
    const framed = appendComplementedCrc(fromHex('006b956a'));
    framed[2]! ^= 0x10;
    expect(() => verifyResponse(framed, 4)).toThrow(
      expect.objectContaining({ code: ErrorCode.PROTOCOL_CRC }),
    );
  });

  test('a response shorter than data and CRC is PROTOCOL_BAD_REPORT', () => {
    const err = (() => {
      try {
        verifyResponse(fromHex('006b95'), 4);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(ErrorCode.PROTOCOL_BAD_REPORT);
  });
});

describe('frame codec properties', () => {
  test('the reports rebuild the frame, always with chunks 0 and 9 and no other all-zero chunk', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xff }),
        fc.uint8Array({ maxLength: 64 }),
        (command, payload) => {
          const frame = buildFrame(command, payload);
          const rebuilt = new Uint8Array(70);
          const seqs: number[] = [];
          for (const report of frameReports(frame)) {
            expect(report).toHaveLength(8);
            expect(report[7]! & 0x80).toBe(0x80);
            const seq = report[7]! & 0x0f;
            seqs.push(seq);
            rebuilt.set(report.subarray(0, 7), seq * 7);
            if (seq !== 0 && seq !== 9)
              expect(report.subarray(0, 7).some((b) => b !== 0)).toBe(true);
          }
          expect(seqs[0]).toBe(0);
          expect(seqs.at(-1)).toBe(9);
          expect(rebuilt).toEqual(frame);
          expect(crc16(frame.subarray(0, 64))).toBe(frame[65]! | (frame[66]! << 8));
        },
      ),
    );
  });

  test('any data with its complemented CRC verifies, and any single flipped bit does not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 60 }), fc.nat(), (data, bit) => {
        const framed = appendComplementedCrc(data);
        expect(verifyResponse(framed, data.length)).toEqual(data);
        const flipped = framed.slice();
        const at = bit % (framed.length * 8);
        flipped[at >> 3]! ^= 1 << (at & 7);
        expect(() => verifyResponse(flipped, data.length)).toThrow(ProtocolError);
      }),
    );
  });
});
