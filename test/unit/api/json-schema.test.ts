import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApiJsonSchema, CLIENT_MESSAGE_TYPES } from '../../../src/api';

const committedPath = join(__dirname, '..', '..', '..', 'docs', 'api.schema.json');

describe('docs/api.schema.json', () => {
  test('equals the schema generated from src/api (run scripts/gen-api-schema.ts when this fails)', () => {
    const committed: unknown = JSON.parse(readFileSync(committedPath, 'utf8'));
    expect(committed).toEqual(buildApiJsonSchema());
  });

  test('docs/api.md documents every request type', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'api.md'), 'utf8');
    const missing = CLIENT_MESSAGE_TYPES.filter((t) => !doc.includes(`\`${t}\``));
    expect(missing).toEqual([]);
  });
});
