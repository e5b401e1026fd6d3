/**
 * Yubico OTP vectors. The first is the published yubico-c example (a full OTP with public id);
 * the tickets are yubico-c's `otp_testvectors` (tests/selftest.c, the same as Yubico's "OTP test
 * vectors" page), given as plaintext fields plus the 32-character OTP they encrypt to.
 */
export interface YubicoTicketVector {
  readonly name: string;
  readonly aesKey: string; // hex
  readonly publicId: string; // modhex, may be empty
  readonly otp: string; // public id + 32 modhex characters
  readonly privateId: string; // hex
  /** The raw usage field, flag bit 15 included. */
  readonly usageField: number;
  readonly timestampLow: number;
  readonly timestampHigh: number;
  readonly session: number;
  readonly random: number;
  readonly crc: number;
}

export const YUBICO_OTP_VECTORS: readonly YubicoTicketVector[] = [
  {
    name: 'yubico-c published example',
    aesKey: 'ecde18dbe76fbd0c33330f1c354871db',
    publicId: 'dteffuje',
    otp: 'dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh',
    privateId: '8792ebfe26cc',
    usageField: 19,
    timestampLow: 0xc230,
    timestampHigh: 0,
    session: 17,
    random: 0x9fc8,
    crc: 0xc823,
  },
  {
    name: 'selftest 1',
    aesKey: '000102030405060708090a0b0c0d0e0f',
    publicId: '',
    otp: 'dvgtiblfkbgturecfllberrvkinnctnn',
    privateId: '010203040506',
    usageField: 1,
    timestampLow: 1,
    timestampHigh: 1,
    session: 1,
    random: 0,
    crc: 0xfe36,
  },
  {
    name: 'selftest 2',
    aesKey: '000102030405060708090a0b0c0d0e0f',
    publicId: '',
    otp: 'rnibcnfhdninbrdebccrndfhjgnhftee',
    privateId: '010203040506',
    usageField: 1,
    timestampLow: 1,
    timestampHigh: 1,
    session: 2,
    random: 0,
    crc: 0x1152,
  },
  {
    name: 'selftest 3',
    aesKey: '000102030405060708090a0b0c0d0e0f',
    publicId: '',
    otp: 'iikkijbdknrrdhfdrjltvgrbkkjblcbh',
    privateId: '010203040506',
    usageField: 0xfff,
    timestampLow: 1,
    timestampHigh: 1,
    session: 1,
    random: 0,
    crc: 0x9454,
  },
  {
    name: 'selftest 4 (usage flag bit set)',
    aesKey: '88888888888888888888888888888888',
    publicId: '',
    otp: 'dcihgvrhjeucvrinhdfddbjhfjftjdei',
    privateId: '888888888888',
    usageField: 0x8888,
    timestampLow: 0x8888,
    timestampHigh: 0x88,
    session: 0x88,
    random: 0x8888,
    crc: 0xd3b6,
  },
  {
    name: 'selftest 5 (all zero)',
    aesKey: '00000000000000000000000000000000',
    publicId: '',
    otp: 'kkkncjnvcnenkjvjgncjihljiibgbhbh',
    privateId: '000000000000',
    usageField: 0,
    timestampLow: 0,
    timestampHigh: 0,
    session: 0,
    random: 0,
    crc: 0xa96a,
  },
  {
    name: 'selftest 6',
    aesKey: 'c4422890653076cde73d449b191b416a',
    publicId: '',
    otp: 'iucvrkjiegbhidrcicvlgrcgkgurhjnj',
    privateId: '33c69e7f249e',
    usageField: 1,
    timestampLow: 0x13a7,
    timestampHigh: 0x24,
    session: 0,
    random: 0xc63c,
    crc: 0x1c86,
  },
];

/** Packs a vector's plaintext ticket the way yubico-c lays out `yubikey_token_st` (little-endian). */
export function vectorTicketBytes(v: YubicoTicketVector): Buffer {
  const b = Buffer.alloc(16);
  Buffer.from(v.privateId, 'hex').copy(b, 0);
  b.writeUInt16LE(v.usageField, 6);
  b.writeUInt16LE(v.timestampLow, 8);
  b.writeUInt8(v.timestampHigh, 10);
  b.writeUInt8(v.session, 11);
  b.writeUInt16LE(v.random, 12);
  b.writeUInt16LE(v.crc, 14);
  return b;
}
