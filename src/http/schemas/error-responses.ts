// Response schemas for error statuses, so every route documents the errors it can answer.

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: malformed JSON or CSV, or a field that fails validation (the message names the field path and batch index).',
  401: 'Missing or wrong API key.',
  404: 'No such route, or (code MODEL_VERSION_NOT_FOUND) no such model version.',
  405: 'Method not allowed on this route.',
  413: 'Body larger than BODY_LIMIT_BYTES or batch larger than MAX_BATCH.',
  415: 'Content type not accepted by this route.',
  422: 'The model version asked for exists but cannot be served (MODEL_VERSION_UNUSABLE): a file is missing, corrupt or from other code; details name the file.',
  500: 'Unexpected server error (details are in the server log under the request id).',
  503: 'Not ready: starting, shutting down or overloaded.'
}

export function errorResponses (...statuses: number[]): Record<number, object> {
  return Object.fromEntries(statuses.map((status) => [status, { description: DESCRIPTIONS[status] ?? 'Error.', $ref: 'Error#' }]))
}
