// Every error the service answers on purpose, with its HTTP status. The error handler in app.ts
// turns these (and Fastify's own client errors) into one JSON shape; anything else is a 500 with no details.

/** Appended to every "too much for one request" message: where the next step is. */
export const LARGE_INPUT_HINT = 'split the customers over several requests, or score the whole file offline with `npm run score` (CSV or Parquet, any size)'

export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, error: 'Bad Request' },
  INVALID_JSON: { status: 400, error: 'Bad Request' },
  INVALID_CSV: { status: 400, error: 'Bad Request' },
  EMPTY_BODY: { status: 400, error: 'Bad Request' },
  BAD_URL: { status: 400, error: 'Bad Request' },
  BAD_REQUEST: { status: 400, error: 'Bad Request' },
  UNAUTHORIZED: { status: 401, error: 'Unauthorized' },
  NOT_FOUND: { status: 404, error: 'Not Found' },
  MODEL_VERSION_NOT_FOUND: { status: 404, error: 'Not Found' },
  METHOD_NOT_ALLOWED: { status: 405, error: 'Method Not Allowed' },
  REQUEST_TIMEOUT: { status: 408, error: 'Request Timeout' },
  DRIFT_REFERENCE_MISSING: { status: 409, error: 'Conflict' },
  BATCH_TOO_LARGE: { status: 413, error: 'Payload Too Large' },
  BODY_TOO_LARGE: { status: 413, error: 'Payload Too Large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, error: 'Unsupported Media Type' },
  MODEL_VERSION_UNUSABLE: { status: 422, error: 'Unprocessable Entity' },
  HEADERS_TOO_LARGE: { status: 431, error: 'Request Header Fields Too Large' },
  NOT_READY: { status: 503, error: 'Service Unavailable' },
  OVERLOADED: { status: 503, error: 'Service Unavailable' },
  INTERNAL: { status: 500, error: 'Internal Server Error' }
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export interface ErrorDetail {
  /** Field path, e.g. "customers/7/completion". */
  readonly path: string
  readonly message: string
}

/** An error meant for the client: its message is safe to show. */
export class ServiceError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly details: readonly ErrorDetail[] | undefined
  constructor (code: ErrorCode, message: string, details?: readonly ErrorDetail[]) {
    super(message)
    this.name = 'ServiceError'
    this.code = code
    this.statusCode = ERROR_CODES[code].status
    this.details = details
  }
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  readonly statusCode: number
  readonly error: string
  readonly code: ErrorCode
  readonly message: string
  readonly requestId: string
  readonly details?: readonly ErrorDetail[]
}

/** The error body for `code` (its usual status unless `statusCode` says otherwise); empty details are left out. */
export function errorBodyOf (code: ErrorCode, message: string, requestId: string, details?: ErrorBody['details'], statusCode?: number): ErrorBody {
  return {
    statusCode: statusCode ?? ERROR_CODES[code].status,
    error: ERROR_CODES[code].error,
    code,
    message,
    requestId,
    ...(details !== undefined && details.length > 0 ? { details } : {})
  }
}

export const ERROR_BODY_SCHEMA = {
  $id: 'Error',
  type: 'object',
  description: 'Every error answer has this shape. `message` names the field path (and the item index in a batch).',
  required: ['statusCode', 'error', 'code', 'message', 'requestId'],
  properties: {
    statusCode: { type: 'integer', examples: [400] },
    error: { type: 'string', examples: ['Bad Request'] },
    code: { type: 'string', enum: Object.keys(ERROR_CODES), examples: ['VALIDATION_FAILED'] },
    message: { type: 'string', examples: ['customers/7/completion must be <= 1'] },
    requestId: { type: 'string', description: 'Also in the x-request-id response header; quote it when reporting a problem.' },
    details: {
      type: 'array',
      description: 'Every problem found (up to a cap), when there is more than a message to say.',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string', examples: ['customers/7/completion'] }, message: { type: 'string', examples: ['must be <= 1'] } }
      }
    }
  }
} as const
