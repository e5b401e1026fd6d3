/** CRC-16 vectors from yubico-c tests/selftest.c and the reference's worked example. */
export const CRC16_VECTORS: ReadonlyArray<{ hex: string; crc: number }> = [
  { hex: '0001020304', crc: 62919 },
  { hex: 'fe', crc: 4470 },
  { hex: '55aa00ff', crc: 52149 },
  { hex: '010203040506307500093dfa60ea', crc: 35339 },
  { hex: '00'.repeat(64), crc: 0x5b6b },
];
