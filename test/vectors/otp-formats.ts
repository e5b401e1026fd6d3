export interface OtpFormatVector {
  readonly name: string;
  readonly text: string;
  readonly hotpDigits?: 6 | 8;
  readonly expected: object | undefined;
}

/**
 * What a passcode looks like and how the bridge reads it (src/core/passcode.ts; the keyboard
 * classifier, the flows, the verifier, the logs and the API schema all use that one parser). Yubico
 * OTP examples: the Yubico SDK docs' 44-character example, the yubico-c test vector (public id
 * "dteffuje"), an otp_testvectors token with no public id, each also as caps lock and a US-Dvorak
 * layout type it. OATH: the token id as each OATH_FIXED_MODHEX flag types OMP 0xe1 ("ub"), TT 0x63
 * ("he") and MUI = serial 07050602 (ykpers `_format_oath_id`), followed by the code.
 */
export const OTP_FORMAT_VECTORS: readonly OtpFormatVector[] = [
  {
    name: 'Yubico OTP, 44 characters',
    text: 'ccccccjlkgjlevtdernkbbnrrvhcvdbljgchbgbdbvgk',
    expected: {
      format: 'yubico',
      publicId: 'ccccccjlkgjl',
      token: 'evtdernkbbnrrvhcvdbljgchbgbdbvgk',
      otp: 'ccccccjlkgjlevtdernkbbnrrvhcvdbljgchbgbdbvgk',
    },
  },
  {
    name: 'Yubico OTP, 8-character public id',
    text: 'dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh',
    expected: {
      format: 'yubico',
      publicId: 'dteffuje',
      token: 'hknhfjbrjnlnldnhcujvddbikngjrtgh',
      otp: 'dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh',
    },
  },
  {
    name: 'Yubico OTP without a public id (32 characters)',
    text: 'dvgtiblfkbgturecfllberrvkinnctnn',
    expected: {
      format: 'yubico',
      publicId: '',
      token: 'dvgtiblfkbgturecfllberrvkinnctnn',
      otp: 'dvgtiblfkbgturecfllberrvkinnctnn',
    },
  },
  {
    name: 'Yubico OTP with the longest public id (64 characters)',
    text: 'vv'.repeat(16) + 'dvgtiblfkbgturecfllberrvkinnctnn',
    expected: {
      format: 'yubico',
      publicId: 'vv'.repeat(16),
      token: 'dvgtiblfkbgturecfllberrvkinnctnn',
      otp: 'vv'.repeat(16) + 'dvgtiblfkbgturecfllberrvkinnctnn',
    },
  },
  {
    name: 'Yubico OTP in upper case (caps lock), normalised',
    text: 'CCCCCCJLKGJLEVTDERNKBBNRRVHCVDBLJGCHBGBDBVGK',
    expected: {
      format: 'yubico',
      publicId: 'ccccccjlkgjl',
      token: 'evtdernkbbnrrvhcvdbljgchbgbdbvgk',
      otp: 'ccccccjlkgjlevtdernkbbnrrvhcvdbljgchbgbdbvgk',
    },
  },
  {
    name: 'Yubico OTP typed through a US-Dvorak layout, repaired',
    text: 'ey.uugh.dtbduhxphbnbnebdjghkeexctbihpyid',
    expected: {
      format: 'yubico',
      publicId: 'dteffuje',
      token: 'hknhfjbrjnlnldnhcujvddbikngjrtgh',
      otp: 'dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh',
    },
  },
  {
    name: 'Yubico OTP typed through Dvorak with caps lock, repaired',
    text: 'JJJJJJHNTIHN.KYE.PBTXXBPPKDJKEXNHIJDXIXEXKIT',
    expected: {
      format: 'yubico',
      publicId: 'ccccccjlkgjl',
      token: 'evtdernkbbnrrvhcvdbljgchbgbdbvgk',
      otp: 'ccccccjlkgjlevtdernkbbnrrvhcvdbljgchbgbdbvgk',
    },
  },
  {
    name: 'Yubico OTP in mixed case, normalised',
    text: 'dteffujeHKNHFJBRJNLNLDNHCUJVDDBIKNGJRTGH',
    expected: {
      format: 'yubico',
      publicId: 'dteffuje',
      token: 'hknhfjbrjnlnldnhcujvddbikngjrtgh',
      otp: 'dteffujehknhfjbrjnlnldnhcujvddbikngjrtgh',
    },
  },
  {
    name: 'modhex-only and Dvorak-only letters mixed',
    text: 'ey.uugh.dtbduhxphbnbnebdjghkeexctbihpyil',
    expected: undefined,
  },
  {
    name: 'a look-alike that lower-cases to modhex (Kelvin sign for k)',
    text: 'dteffujehknhfjbrjnlnldnhcujvddbi\u212Angjrtgh',
    expected: undefined,
  },
  {
    name: 'modhex, 66 characters (too long)',
    text: 'vv'.repeat(17) + 'c'.repeat(32),
    expected: undefined,
  },
  { name: 'modhex, odd length', text: 'c'.repeat(33), expected: undefined },
  { name: 'modhex, 30 characters (too short)', text: 'c'.repeat(30), expected: undefined },
  {
    name: 'one non-modhex letter',
    text: 'ccccccjlkgjlevtdernkbbnrrvhcvdbljgchbgbdbvga',
    expected: undefined,
  },
  {
    name: 'OATH-HOTP with token id, 6 digits',
    text: 'ubhe07050602154916',
    expected: { format: 'oath-hotp', tokenId: 'ubhe07050602', code: '154916', digits: 6 },
  },
  {
    name: 'OATH-HOTP with token id, 8 digits',
    text: 'ubhe0705060212345678',
    expected: { format: 'oath-hotp', tokenId: 'ubhe07050602', code: '12345678', digits: 8 },
  },
  {
    name: 'OATH-HOTP with token id, slot declared 6 digits',
    text: 'ubhe07050602154916',
    hotpDigits: 6,
    expected: { format: 'oath-hotp', tokenId: 'ubhe07050602', code: '154916', digits: 6 },
  },
  {
    name: '6 bare digits',
    text: '755224',
    expected: { format: 'oath-hotp', code: '755224', digits: 6 },
  },
  {
    name: '8 bare digits read as an 8-digit code when the slot is not declared',
    text: '84755224',
    expected: { format: 'oath-hotp', code: '84755224', digits: 8 },
  },
  {
    name: '8 bare digits with the slot declared 8 digits',
    text: '84755224',
    hotpDigits: 8,
    expected: { format: 'oath-hotp', code: '84755224', digits: 8 },
  },
  {
    name: '8 bare digits from a 6-digit slot',
    text: '84755224',
    hotpDigits: 6,
    expected: undefined,
  },
  { name: '6 digits from an 8-digit slot', text: '755224', hotpDigits: 8, expected: undefined },
  {
    name: 'token id with 8 digits from a 6-digit slot',
    text: 'ubhe0705060212345678',
    hotpDigits: 6,
    expected: undefined,
  },
  { name: '7 digits', text: '1234567', expected: undefined },
  { name: '9 digits', text: '123456789', expected: undefined },
  { name: 'token id with 5 digits', text: 'ubhe0705060215491', expected: undefined },
  {
    name: 'OATH-HOTP with token id typed as hex (no OATH_FIXED_MODHEX flag), OMP 0xab TT 0xcd',
    text: 'abcd07050602154916',
    expected: { format: 'oath-hotp', tokenId: 'abcd07050602', code: '154916', digits: 6 },
  },
  {
    name: 'OATH-HOTP with the default token id typed as hex',
    text: 'e16307050602154916',
    expected: { format: 'oath-hotp', tokenId: 'e16307050602', code: '154916', digits: 6 },
  },
  {
    name: 'OATH-HOTP with token id, OATH_FIXED_MODHEX1 (OMP in modhex)',
    text: 'ub6307050602154916',
    expected: { format: 'oath-hotp', tokenId: 'ub6307050602', code: '154916', digits: 6 },
  },
  {
    name: 'OATH-HOTP with token id, OATH_FIXED_MODHEX (all six bytes in modhex)',
    text: 'ubhecicgchcd154916',
    expected: { format: 'oath-hotp', tokenId: 'ubhecicgchcd', code: '154916', digits: 6 },
  },
  {
    name: 'OATH-HOTP with an all-digit token id (OMP 0x12, TT 0x34 as hex), 18 digits',
    text: '123407050602154916',
    expected: { format: 'oath-hotp', tokenId: '123407050602', code: '154916', digits: 6 },
  },
  {
    name: 'OATH-HOTP with token id in upper case (caps lock), normalised',
    text: 'UBHE07050602154916',
    expected: { format: 'oath-hotp', tokenId: 'ubhe07050602', code: '154916', digits: 6 },
  },
  {
    name: 'OATH-HOTP with an MUI of zeros and one',
    text: 'ubhe00000100755224',
    expected: { format: 'oath-hotp', tokenId: 'ubhe00000100', code: '755224', digits: 6 },
  },
  {
    name: 'token id with letters outside hex and modhex',
    text: 'wxyz07050602154916',
    expected: undefined,
  },
  {
    name: 'token id with modhex after hex (no flag types that)',
    text: 'e163ub050602154916',
    expected: undefined,
  },
  { name: 'token id of 10 characters', text: 'ubhe070506154916', expected: undefined },
  {
    name: 'letters outside modhex, 36 characters',
    text: 'abcdef'.repeat(6),
    expected: undefined,
  },
  { name: 'a static password', text: 'hunter2', expected: undefined },
  { name: 'modhex and digits mixed', text: 'cccc1234', expected: undefined },
  { name: 'empty', text: '', expected: undefined },
];

/** What a slot types after its OTP (APPEND_CR): the keyboard classifier ends the input there. */
export const TYPED_ENTER_VECTORS: readonly OtpFormatVector[] = [
  {
    name: 'Yubico OTP in upper case (shifted) and with CR LF, normalised',
    text: 'CCCCCCJLKGJLEVTDERNKBBNRRVHCVDBLJGCHBGBDBVGK\r\n',
    expected: {
      format: 'yubico',
      publicId: 'ccccccjlkgjl',
      token: 'evtdernkbbnrrvhcvdbljgchbgbdbvgk',
      otp: 'ccccccjlkgjlevtdernkbbnrrvhcvdbljgchbgbdbvgk',
    },
  },
  {
    name: 'OATH-HOTP with token id and Enter',
    text: 'ubhe07050602154916\r',
    expected: { format: 'oath-hotp', tokenId: 'ubhe07050602', code: '154916', digits: 6 },
  },
  { name: 'only Enter', text: '\r', expected: undefined },
];
