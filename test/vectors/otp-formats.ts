/**
 * What a token types and how the bridge classifies it. Yubico OTP examples: the Yubico SDK docs'
 * 44-character example, the yubico-c test vector (public id "dteffuje"), an otp_testvectors token
 * with no public id. HOTP: the reference's default OATH token id layout (OMP "ub", TT "he",
 * MUI = serial 07050602) followed by the code.
 */
export const OTP_FORMAT_VECTORS: ReadonlyArray<{
  name: string;
  text: string;
  hotpDigits?: 6 | 8;
  expected: object | undefined;
}> = [
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
  { name: 'token id with non-modhex letters', text: 'abcd07050602154916', expected: undefined },
  { name: 'a static password', text: 'hunter2', expected: undefined },
  { name: 'modhex and digits mixed', text: 'cccc1234', expected: undefined },
  { name: 'empty', text: '', expected: undefined },
  { name: 'only Enter', text: '\r', expected: undefined },
];
