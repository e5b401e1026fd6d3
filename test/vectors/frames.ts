/**
 * OTP-application feature-report vectors (reference A2). The frame CRCs were computed with an
 * independent CRC-16/X.25 implementation; the serial read is the reference's worked example.
 */

/** Commands and the SET_FEATURE reports that carry them (all-zero chunks 1..8 skipped). */
export const FRAME_VECTORS: ReadonlyArray<{
  name: string;
  command: number;
  payload: string;
  reports: string[];
}> = [
  {
    name: 'read serial (0x10, no payload)',
    command: 0x10,
    payload: '',
    reports: ['00 00 00 00 00 00 00 80', '00 10 6b 5b 00 00 00 89'],
  },
  {
    name: 'Yubico OTP challenge, slot 1 (0x20, 6 bytes)',
    command: 0x20,
    payload: '010203040506',
    reports: ['01 02 03 04 05 06 00 80', '00 20 d6 b4 00 00 00 89'],
  },
  {
    name: 'HMAC challenge (0x30, 64 bytes 00..3f: every chunk sent)',
    command: 0x30,
    payload: Array.from({ length: 64 }, (_, i) => i.toString(16).padStart(2, '0')).join(''),
    reports: [
      '00 01 02 03 04 05 06 80',
      '07 08 09 0a 0b 0c 0d 81',
      '0e 0f 10 11 12 13 14 82',
      '15 16 17 18 19 1a 1b 83',
      '1c 1d 1e 1f 20 21 22 84',
      '23 24 25 26 27 28 29 85',
      '2a 2b 2c 2d 2e 2f 30 86',
      '31 32 33 34 35 36 37 87',
      '38 39 3a 3b 3c 3d 3e 88',
      '3f 30 5a 33 00 00 00 89',
    ],
  },
  {
    name: 'one non-zero byte in chunk 2 (chunks 0, 2, 9 sent)',
    command: 0x30,
    payload: '00'.repeat(20) + 'aa',
    reports: ['00 00 00 00 00 00 00 80', '00 00 00 00 00 00 aa 82', '00 30 9a cf 00 00 00 89'],
  },
  {
    name: 'last payload byte set (it travels in chunk 9)',
    command: 0x13,
    payload: '00'.repeat(63) + '55',
    reports: ['00 00 00 00 00 00 00 80', '55 13 43 5e 00 00 00 89'],
  },
];

export const RESET_REPORT = '00 00 00 00 00 00 00 8f';

/** Status reports (byte 7 = 0) and what they say. */
export const STATUS_VECTORS: ReadonlyArray<{
  report: string;
  version: [number, number, number];
  programmingSequence: number;
  touchLevel: number;
  slot1Valid: boolean;
  slot2Valid: boolean;
  slot1Touch: boolean;
  slot2Touch: boolean;
  ledInverted: boolean;
}> = [
  {
    report: '00 05 04 03 03 05 00 00',
    version: [5, 4, 3],
    programmingSequence: 3,
    touchLevel: 0x0005,
    slot1Valid: true,
    slot2Valid: false,
    slot1Touch: true,
    slot2Touch: false,
    ledInverted: false,
  },
  {
    report: '00 05 07 01 0a 1f 00 00',
    version: [5, 7, 1],
    programmingSequence: 10,
    touchLevel: 0x001f,
    slot1Valid: true,
    slot2Valid: true,
    slot1Touch: true,
    slot2Touch: true,
    ledInverted: true,
  },
  {
    report: '00 02 02 05 00 00 00 00',
    version: [2, 2, 5],
    programmingSequence: 0,
    touchLevel: 0,
    slot1Valid: false,
    slot2Valid: false,
    slot1Touch: false,
    slot2Touch: false,
    ledInverted: false,
  },
  {
    // touchLevel is little-endian: low byte 0x12 (slot 2 valid, LED inverted), high byte 0x03.
    report: '00 03 04 00 07 12 03 00',
    version: [3, 4, 0],
    programmingSequence: 7,
    touchLevel: 0x0312,
    slot1Valid: false,
    slot2Valid: true,
    slot1Touch: false,
    slot2Touch: false,
    ledInverted: true,
  },
];

/** Byte 7 of a report from the key, decoded. */
export const FLAG_VECTORS: ReadonlyArray<{ flags: number; meaning: object }> = [
  { flags: 0x00, meaning: { kind: 'idle' } },
  { flags: 0x40, meaning: { kind: 'response', seq: 0 } },
  { flags: 0x43, meaning: { kind: 'response', seq: 3 } },
  { flags: 0x5f, meaning: { kind: 'response', seq: 31 } },
  { flags: 0x2e, meaning: { kind: 'touch-wait', secondsLeft: 14 } },
  { flags: 0x20, meaning: { kind: 'touch-wait', secondsLeft: 0 } },
  { flags: 0x9f, meaning: { kind: 'startup-busy' } },
  { flags: 0x80, meaning: { kind: 'write-pending', seq: 0 } },
  { flags: 0x89, meaning: { kind: 'write-pending', seq: 9 } },
  { flags: 0x10, meaning: { kind: 'busy', bits: 0x10 } },
];

/** The idle status of the key in the exchanges below: fw 5.4.3, pgmSeq 3, slot 1 valid+touch. */
export const STATUS_IDLE = '00 05 04 03 03 05 00 00';

/** Reference A2 worked example: reading serial 7050602, report by report as OtpProtocol does it. */
export const SERIAL_READ_EXCHANGE = {
  serial: 7050602,
  device: {
    response: ['00 6b 95 6a 8c 7b 00 40'],
    done: '00 00 00 00 00 00 00 40',
  },
  transcript: [
    `get ${STATUS_IDLE}`, // status: remember pgmSeq; write flag clear, so chunk 0 may go
    'set 00 00 00 00 00 00 00 80', // chunk 0 (always sent)
    `get ${STATUS_IDLE}`, // write flag clear again
    'set 00 10 6b 5b 00 00 00 89', // chunk 9: command 0x10, crc16(64 x 00) = 0x5b6b LE
    'get 00 6b 95 6a 8c 7b 00 40', // serial 0x006b956a big-endian, ~crc 0x7b8c LE, seq 0
    'get 00 00 00 00 00 00 00 40', // seq back to 0: transfer complete
    `set ${RESET_REPORT}`, // leave read mode
  ],
};

/** A 20-byte HMAC-SHA1 style response (bytes 10..23) in four chunks, with its closing report. */
export const HMAC_RESPONSE = {
  data: '101112131415161718191a1b1c1d1e1f20212223',
  reports: [
    '10 11 12 13 14 15 16 40',
    '17 18 19 1a 1b 1c 1d 41',
    '1e 1f 20 21 22 23 c3 42',
    'cf 00 00 00 00 00 00 43',
    '00 00 00 00 00 00 00 40',
  ],
};
