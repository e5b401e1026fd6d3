/**
 * CRC-16 as the YubiKey computes it: ISO/IEC 13239 (HDLC/X.25), reflected polynomial 0x8408,
 * initial value 0xFFFF, no final XOR. Frames carry it raw; responses and OTP tickets carry its
 * complement, so a CRC over data plus that complement leaves the residue below.
 */
export const CRC16_INIT = 0xffff; // initial register value
export const CRC16_POLY_REFLECTED = 0x8408; // x^16 + x^12 + x^5 + 1, bit-reversed
export const CRC16_OK_RESIDUE = 0xf0b8; // register after data ‖ ~crc (little-endian)

export function crc16(data: Uint8Array, init: number = CRC16_INIT): number {
  let crc = init;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ CRC16_POLY_REFLECTED : crc >>> 1;
    }
  }
  return crc & 0xffff;
}

/** True when `data` ends with the little-endian complement of the CRC of what precedes it. */
export function crc16ResidueOk(data: Uint8Array): boolean {
  return crc16(data) === CRC16_OK_RESIDUE;
}

/** `data ‖ ~crc16(data)` little-endian, the form responses and tickets take. */
export function appendComplementedCrc(data: Uint8Array): Uint8Array {
  const crc = ~crc16(data) & 0xffff;
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = crc & 0xff;
  out[data.length + 1] = crc >>> 8;
  return out;
}
