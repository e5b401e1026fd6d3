/** The WebSocket subprotocol a client must offer; the server refuses the upgrade without it. */
export const API_PROTOCOL = 'tokenbridge.v1';
/** Path of the WebSocket endpoint on the daemon's HTTP server. */
export const API_PATH = '/ws';
/** Largest text frame the server accepts; bigger frames close the connection with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** WebSocket close codes the server uses (RFC 6455 section 7.4.1). */
export const CloseCode = {
  GOING_AWAY: 1001, // the daemon is shutting down
  POLICY_VIOLATION: 1008, // hard rate cap exceeded
  MESSAGE_TOO_BIG: 1009, // a frame over MAX_FRAME_BYTES
} as const;

/**
 * Every error code a reply can carry, each documented in docs/api.md (a test checks both ways).
 * The parser and the server answer with their own (INVALID_JSON ... NOT_SIGNED_ON); the daemon's
 * refusals keep their TokenBridgeError code (PAIRING_* ... INVALID_INPUT); any other failure inside
 * the daemon is answered INTERNAL, without its details.
 */
export const ApiErrorCode = {
  INVALID_JSON: 'INVALID_JSON',
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  BINARY_FRAME: 'BINARY_FRAME',
  RATE_LIMITED: 'RATE_LIMITED',
  NOT_SIGNED_ON: 'NOT_SIGNED_ON',
  PAIRING_DISABLED: 'PAIRING_DISABLED',
  PAIRING_NOT_FOUND: 'PAIRING_NOT_FOUND',
  PAIRING_WRONG_STEP: 'PAIRING_WRONG_STEP',
  TOKEN_NOT_FOUND: 'TOKEN_NOT_FOUND',
  TOKEN_PAIRED: 'TOKEN_PAIRED',
  USER_TOKEN_LIMIT: 'USER_TOKEN_LIMIT',
  SLOT_CONFIGURED: 'SLOT_CONFIGURED',
  ENROLL_FAILED: 'ENROLL_FAILED',
  INVALID_INPUT: 'INVALID_INPUT',
  INTERNAL: 'INTERNAL',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];
