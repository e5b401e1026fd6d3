import fc from 'fast-check';
import {
  ImportError,
  createLineParser,
  parsePskc,
  type ImportFormat,
} from '../../../src/tokens/import';

/** Whatever a file holds, an importer either reads a token or refuses with an ImportError. */
const csvLine = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc
    .array(
      fc.oneof(
        fc.stringMatching(/^[0-9a-fA-F]{0,70}$/),
        fc.constantFrom('totp', 'hotp', 'Yubico OTP', '6', '30', 'sha256', '"', ''),
      ),
      {
        maxLength: 8,
      },
    )
    .map((f) => f.join(',')),
);

describe.each<Exclude<ImportFormat, 'pskc'>>(['csv', 'oath-csv', 'yubico-csv'])(
  '%s parser',
  (format) => {
    test('any line gives a token, null, or an ImportError', () => {
      fc.assert(
        fc.property(fc.array(csvLine, { minLength: 1, maxLength: 5 }), (lines) => {
          const parser = createLineParser(format);
          lines.forEach((line, i) => {
            try {
              const token = parser.line(line, i + 1);
              if (token) expect(token.origin).toBe(`line ${i + 1}`);
            } catch (err) {
              expect(err).toBeInstanceOf(ImportError);
              expect((err as Error).message).toMatch(
                new RegExp(`^line ${i + 1}(, column \\d+)?: `),
              );
            }
          });
        }),
      );
    });
  },
);

test('PSKC: any text gives tokens or an ImportError', () => {
  const xmlish = fc.oneof(
    fc.string({ maxLength: 120 }),
    fc.constantFrom(
      '<KeyContainer>',
      '<KeyContainer Version="1.0"><KeyPackage><Key/></KeyPackage></KeyContainer>',
      '<a><b></a>',
    ),
  );
  fc.assert(
    fc.property(xmlish, (text) => {
      try {
        expect(Array.isArray([...parsePskc(text)])).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(ImportError);
      }
    }),
  );
});
