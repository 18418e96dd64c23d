// Error answers as the OpenAPI document describes them: the statuses a route declares in its schema
// (errorResponses, with the headers that come with them), and the ones answered before any route,
// which openapi-wire.ts adds to every operation (EDGE_ERRORS). Every one has the Error body, as JSON.

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: malformed JSON or CSV, or a field that fails validation (the message names the field path and batch index).',
  401: 'Missing or wrong API key (only when the server runs with API_KEYS).',
  404: 'No such model version (code MODEL_VERSION_NOT_FOUND; GET /models lists them).',
  405: 'This path was called with a method it does not serve (e.g. GET on a POST route); the Allow header lists the ones it does.',
  408: 'The request was not received completely within REQUEST_TIMEOUT_MS (answered by the HTTP parser, before any route).',
  413: 'Body larger than BODY_LIMIT_BYTES or batch larger than MAX_BATCH.',
  415: 'Content type not accepted by this route, or a Content-Encoding other than identity (bodies are read as sent, uncompressed).',
  422: 'The model version asked for exists but cannot be served (MODEL_VERSION_UNUSABLE): a file is missing, corrupt or from other code; details name the file.',
  431: 'Request headers larger than MAX_HEADER_BYTES (answered by the HTTP parser, before any route).',
  500: 'Unexpected server error (details are in the server log under the request id).',
  503: 'Overloaded (load shedding, OVERLOADED): the mean event-loop delay is above MAX_EVENT_LOOP_DELAY_MS; retry after Retry-After seconds. Requests that arrive while the server shuts down are still answered as usual.'
}

/**
 * Headers that come with an error status wherever a route declares it (openapi-wire.ts points them at
 * their one definition in components.headers): a 503 with the Error body comes only from load shedding,
 * which always says when to retry. (A 401 and a 405 carry theirs on every route: openapi-wire.ts.)
 */
const STATUS_HEADERS: Readonly<Record<number, readonly string[]>> = {
  503: ['Retry-After']
}

/** The description of an error status, for the route schemas and for the statuses added to every operation. */
export function errorDescription (status: number): string {
  return DESCRIPTIONS[status] ?? 'Error.'
}

/**
 * Statuses answered before any route runs, in the Error shape whatever the route: 405 (the root
 * not-found handler, for a path served with other methods) and 408 and 431 (Node's HTTP parser). Keyed
 * by their components.responses name. A refused Content-Encoding (415) is not among them: the onRequest
 * hook raises it, but the route's scope writes the answer (the /v2 routes in their own error shape),
 * so each route declares it.
 */
export const EDGE_ERRORS: Readonly<Record<string, { readonly status: number, readonly description: string }>> = {
  MethodNotAllowed: { status: 405, description: errorDescription(405) },
  RequestTimeout: { status: 408, description: errorDescription(408) },
  RequestHeadersTooLarge: { status: 431, description: errorDescription(431) }
}

/**
 * The `headers` a route schema's response for `status` declares (none: {}); the schemas are
 * placeholders for @fastify/swagger, which openapi-wire.ts replaces with a $ref to the definition.
 */
export function statusHeaders (status: number): { headers?: Record<string, object> } {
  const names = STATUS_HEADERS[status] ?? []
  return names.length === 0 ? {} : { headers: Object.fromEntries(names.map((name) => [name, { type: 'string' }])) }
}

/** Route schema responses for these error statuses: the Error body and the headers the status carries. */
export function errorResponses (...statuses: number[]): Record<number, object> {
  return Object.fromEntries(statuses.map((status) => [status, { description: errorDescription(status), $ref: 'Error#', ...statusHeaders(status) }]))
}
