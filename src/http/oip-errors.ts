// Error answers of the Open Inference Protocol routes in the protocol's shape, {"error": "<message>"}.
// The app's one error handler still decides the status, logs and words the problem; this hook, added
// to the /v2 routes only, rewrites the body it sends (also the 401 of the API key and the 503 of load
// shedding), so protocol clients read the whole message where the protocol puts it.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorBody } from './errors.js'
import { MAX_LISTED_PROBLEMS } from './validation.js'

/** Problems spelt out in one error message; the rest are counted. */
const LISTED_PROBLEMS = 10

/** The protocol's error object (metadata_*_error_response, inference_error_response). */
export interface OipErrorBody { readonly error: string }

function isErrorBody (payload: unknown): payload is ErrorBody {
  if (typeof payload !== 'object' || payload === null) return false
  const { statusCode, code, message } = payload as Record<string, unknown>
  return typeof statusCode === 'number' && statusCode >= 400 && typeof code === 'string' && typeof message === 'string'
}

/**
 * Schema validation paths start "inputs/<i>/": named by the tensor's name when it has one, as the
 * problems found in the tensors themselves are ("input completion, row 7").
 */
function tensorPath (path: string, requestBody: unknown): string {
  const match = /^inputs\/(\d+)(\/.*)?$/.exec(path)
  if (match === null) return path
  const inputs = (requestBody as { inputs?: unknown } | null)?.inputs
  const name = Array.isArray(inputs) ? (inputs[Number(match[1])] as { name?: unknown } | undefined)?.name : undefined
  return typeof name === 'string' ? `input ${name.slice(0, 100)}${match[2] ?? ''}` : path
}

/** The message of an error answer: the app's message, or every listed problem (up to 10, then a count). */
export function oipErrorMessage (body: ErrorBody, requestBody: unknown): string {
  const details = body.details
  if (body.code !== 'VALIDATION_FAILED' || details === undefined || details.length === 0) return body.message
  const listed = details.slice(0, LISTED_PROBLEMS).map((d) => `${tensorPath(d.path, requestBody)}: ${d.message}`)
  const more = details.length - listed.length
  // Problems are collected up to MAX_LISTED_PROBLEMS: at the cap there may be more than counted.
  const atLeast = details.length >= MAX_LISTED_PROBLEMS ? 'at least ' : ''
  return listed.join('; ') + (more > 0 ? ` (and ${atLeast}${more} more problem${more > 1 ? 's' : ''})` : '')
}

/** preSerialization hook: the app's error body becomes {"error": message}; any other answer passes. */
export function toOipErrorBody (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void): void {
  if (!isErrorBody(payload)) {
    done(null, payload)
    return
  }
  const body: OipErrorBody = { error: oipErrorMessage(payload, request.body) }
  done(null, body)
}
