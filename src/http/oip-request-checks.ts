// Checks the Open Inference Protocol routes make before a request's body is validated: the model
// name, the batch size, the body's encoding. Each refuses with the app's own errors (errors.ts), which
// the /v2 routes answer as {"error": "..."}.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { counted } from '../domain/counted.js'
import { LARGE_INPUT_HINT, ServiceError } from './errors.js'
import { parseJsonBody } from './json-body.js'

type Done = (err?: Error) => void

/** The name the model answers to: the service's name for it (one model per server). */
export const OIP_MODEL_NAME = 'buy-again'

/** preValidation: model routes answer for buy-again only, any other name is 404 (before the body is looked at). */
export function checkModelName (request: FastifyRequest, _reply: FastifyReply, done: Done): void {
  const name = (request.params as { model_name?: string }).model_name ?? ''
  done(name === OIP_MODEL_NAME ? undefined : new ServiceError('NOT_FOUND', `model "${name.slice(0, 128)}" does not exist: this server serves ${OIP_MODEL_NAME}`))
}

/** preValidation: more rows than `maxBatch` (MAX_BATCH) is 413 before any tensor is validated, so it costs nothing. */
export function batchSizeCheck (maxBatch: number) {
  return (request: FastifyRequest, _reply: FastifyReply, done: Done): void => {
    const inputs = (request.body as { inputs?: unknown } | null)?.inputs
    let rows = 0
    if (Array.isArray(inputs)) {
      for (const input of inputs as Array<{ shape?: unknown, data?: unknown } | null>) {
        const declared = Array.isArray(input?.shape) && typeof input.shape[0] === 'number' ? input.shape[0] : 0
        rows = Math.max(rows, declared, Array.isArray(input?.data) ? input.data.length : 0)
      }
    }
    done(rows > maxBatch ? new ServiceError('BATCH_TOO_LARGE', `the tensors have ${counted(rows, 'row')}, more than the limit of ${counted(maxBatch, 'customer')} (MAX_BATCH): ${LARGE_INPUT_HINT}`) : undefined)
  }
}

/** onRequest: the binary tensor data extension (a JSON header, then raw bytes) is not supported; said before the body is read. */
export function refuseBinaryExtension (request: FastifyRequest, _reply: FastifyReply, done: Done): void {
  done(request.headers['inference-header-content-length'] === undefined
    ? undefined
    : new ServiceError('UNSUPPORTED_MEDIA_TYPE', 'the binary tensor data extension (Inference-Header-Content-Length) is not supported: send the tensors as JSON data'))
}

/**
 * In `scope`: a body without a content type is read as JSON (Triton's Python client sends its JSON
 * requests so), with the app's strict JSON parser; any other type but application/json (parsed by the
 * root) is 415.
 */
export function readUntypedBodiesAsJson (scope: FastifyInstance): void {
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const type = request.headers['content-type']
    if (type !== undefined) {
      done(new ServiceError('UNSUPPORTED_MEDIA_TYPE', `content type ${type.slice(0, 100)} is not accepted: send application/json`), undefined)
      return
    }
    try {
      done(null, parseJsonBody(body as Buffer))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
}
