import { ApiErrorCode } from './constants';
import { CLIENT_MESSAGE_TYPES, ClientMessage } from './client-messages';
import { RequestId } from './fields';

export type ParseFailure = {
  ok: false;
  code:
    | typeof ApiErrorCode.INVALID_JSON
    | typeof ApiErrorCode.INVALID_MESSAGE
    | typeof ApiErrorCode.UNKNOWN_TYPE;
  message: string;
  /** The request's id when one could be read, so the error reply can be matched. */
  id?: RequestId;
};
export type ParseResult = { ok: true; message: ClientMessage } | ParseFailure;

const KNOWN_TYPES = new Set<string>(CLIENT_MESSAGE_TYPES);

type Decoded = { ok: true; record: Record<string, unknown> } | ParseFailure;

/** The frame as a JSON object, or why it is not one. */
function decodeObject(text: string): Decoded {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: ApiErrorCode.INVALID_JSON, message: 'frame is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return {
      ok: false,
      code: ApiErrorCode.INVALID_MESSAGE,
      message: 'message must be a JSON object',
    };
  return { ok: true, record: raw as Record<string, unknown> };
}

/**
 * The id of a frame that is refused unhandled (over the rate limit), so that its one reply can
 * still be matched to it; null when the frame is no JSON object with a valid id.
 */
export function requestIdOf(text: string): RequestId | null {
  const decoded = decodeObject(text);
  if (!decoded.ok) return null;
  const id = RequestId.safeParse(decoded.record.id);
  return id.success ? id.data : null;
}

/** Decodes one text frame from a client. Never throws: every failure is a value. */
export function parseClientMessage(text: string): ParseResult {
  const decoded = decodeObject(text);
  if (!decoded.ok) return decoded;
  const record = decoded.record;
  const idCheck = RequestId.safeParse(record.id);
  const id = idCheck.success ? idCheck.data : undefined;
  const withId = id === undefined ? {} : { id };
  if (!idCheck.success)
    return {
      ok: false,
      code: ApiErrorCode.INVALID_MESSAGE,
      message: 'id: a string of 1-64 characters or a non-negative integer is required',
    };
  if (typeof record.type !== 'string')
    return {
      ok: false,
      code: ApiErrorCode.INVALID_MESSAGE,
      message: 'type: a string is required',
      ...withId,
    };
  if (!KNOWN_TYPES.has(record.type))
    return {
      ok: false,
      code: ApiErrorCode.UNKNOWN_TYPE,
      message: `unknown message type "${record.type.slice(0, 64)}"`,
      ...withId,
    };
  const parsed = ClientMessage.safeParse(record);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'message';
  return {
    ok: false,
    code: ApiErrorCode.INVALID_MESSAGE,
    message: `${where}: ${issue?.message ?? 'invalid'}`,
    ...withId,
  };
}
