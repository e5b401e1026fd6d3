import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiErrorCode } from '../../../src/api';

/** The codes in the first column of docs/api.md's "Error codes" table. */
function documentedCodes(): string[] {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'api.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Error codes'));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| Code')));
  return [...table.matchAll(/^\| `([A-Z_]+)`/gm)].map((m) => m[1]!);
}

test('docs/api.md documents exactly the codes of ApiErrorCode', () => {
  expect(documentedCodes().sort()).toEqual(Object.values(ApiErrorCode).sort());
});
