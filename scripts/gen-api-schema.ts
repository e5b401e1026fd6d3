/**
 * Regenerates docs/api.schema.json from the zod schemas in src/api. Run after changing a schema:
 *   npx tsc --outDir /tmp/gen-api scripts/gen-api-schema.ts && NODE_PATH=node_modules node /tmp/gen-api/scripts/gen-api-schema.js
 * test/unit/api/json-schema.test.ts fails while the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderApiJsonSchema } from '../src/api/json-schema';

// Run from the repository root.
writeFileSync(join(process.cwd(), 'docs', 'api.schema.json'), renderApiJsonSchema());
