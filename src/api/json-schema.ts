import { z } from 'zod';
import { API_PROTOCOL, MAX_FRAME_BYTES } from './constants';
import { ClientMessage } from './client-messages';
import { ErrorReply, RESULT_SCHEMAS, ServerEvent } from './server-messages';

/**
 * The JSON Schema of the whole API, generated from the zod schemas (the single source). A test
 * compares it with the committed docs/api.schema.json, so the document can never go stale.
 */
export function buildApiJsonSchema(): Record<string, unknown> {
  const results = Object.fromEntries(
    Object.entries(RESULT_SCHEMAS).map(([type, schema]) => [type, z.toJSONSchema(schema)]),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `tokenbridge WebSocket API (${API_PROTOCOL})`,
    description: `JSON text frames of at most ${MAX_FRAME_BYTES} bytes. A success reply is { id, ok: true } merged with the result for the request type.`,
    $defs: {
      ClientMessage: z.toJSONSchema(ClientMessage),
      ServerEvent: z.toJSONSchema(ServerEvent),
      ErrorReply: z.toJSONSchema(ErrorReply),
      Results: results,
    },
  };
}

/** The committed file's exact text: two-space JSON and a final newline. */
export function renderApiJsonSchema(): string {
  return `${JSON.stringify(buildApiJsonSchema(), null, 2)}\n`;
}
