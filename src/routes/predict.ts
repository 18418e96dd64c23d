// POST /predict and POST /predict/batch: HTTP only. Validation is declared in the schemas; scoring
// is the predictor's job; this file maps requests to customers and probabilities to answers.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import type { Customer } from '../customer.js'
import { ServiceError, type ErrorDetail } from '../errors.js'
import type { ServiceMetrics } from '../metrics.js'
import type { PredictionService } from '../predictor.js'
import { MAX_LISTED_PROBLEMS, compileQueryValidator, describeAjvErrors, summarizeProblems } from '../validation.js'
import { parseCsvBatch } from '../csv-body.js'
import { errorResponses } from './error-responses.js'

interface ScoreQuery { threshold?: number, partial?: boolean }

const thresholdParameter = {
  type: 'number',
  minimum: 0,
  maximum: 1,
  description: 'Overrides the model\'s decision threshold for this request: willBuy = probability >= threshold.',
  examples: [0.3]
} as const

const probability = {
  type: 'number',
  minimum: 0,
  maximum: 1,
  description: 'Calibrated probability that the customer buys again within 6 months.',
  examples: [0.42]
} as const
const willBuy = { type: 'boolean', description: 'probability >= threshold.' } as const
const modelVersion = { type: 'string', description: 'Version of the model artefact that answered.', examples: ['v20261127-1a2b3c4d'] } as const
const threshold = { type: 'number', description: 'Threshold used for willBuy in this answer.', examples: [0.34] } as const
// A type list, not anyOf: fast-json-stringify checks anyOf branches with Ajv on every answer.
const customerId = { type: ['string', 'integer'], description: 'Echo of the customerId sent, when one was sent.' } as const

const predictionSchema = {
  type: 'object',
  required: ['probability', 'willBuy'],
  properties: {
    index: { type: 'integer', description: 'Position of the customer in the request (partial mode only).' },
    customerId,
    probability,
    willBuy
  }
} as const

const batchQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    threshold: thresholdParameter,
    partial: { type: 'boolean', default: false, description: 'Score the valid customers and list the invalid ones instead of rejecting the whole batch.' }
  }
} as const

const JSON_TYPE = /^application\/json\s*(;|$)/i

function isJson (request: FastifyRequest): boolean {
  return JSON_TYPE.test(request.headers['content-type'] ?? '')
}

/** Index of the batch item a validation problem belongs to, or null when it is about the request as a whole. */
function itemIndex (detail: ErrorDetail): number | null {
  const match = /^customers\/(\d+)(\/|$)/.exec(detail.path)
  return match === null ? null : Number(match[1])
}

export function predictRoutes (config: Config, predictor: PredictionService, metrics: ServiceMetrics) {
  return async function register (app: FastifyInstance): Promise<void> {
    const decide = (p: number, t: number): boolean => p >= t

    app.post<{ Body: Customer, Querystring: ScoreQuery }>('/predict', {
      schema: {
        summary: 'Score one customer',
        description: 'Returns the calibrated probability that this customer buys again within 6 months, and willBuy against the model\'s threshold (or `threshold` from the query).',
        tags: ['prediction'],
        security: [{ apiKey: [] }],
        consumes: ['application/json'],
        querystring: { type: 'object', additionalProperties: false, properties: { threshold: thresholdParameter } },
        body: { $ref: 'Customer#' },
        response: {
          200: {
            description: 'The prediction.',
            type: 'object',
            required: ['probability', 'willBuy', 'modelVersion', 'threshold'],
            properties: { customerId, probability, willBuy, modelVersion, threshold }
          },
          ...errorResponses(400, 401, 404, 413, 415, 500, 503)
        }
      },
      preValidation: async (request) => {
        if (!isJson(request)) throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', `POST /predict takes application/json, got ${request.headers['content-type'] ?? 'no content type'}`)
      }
    }, async (request) => {
      const customer = request.body
      const t = request.query.threshold ?? predictor.threshold
      const probabilities = await predictor.predict([customer])
      metrics.observePredictions(probabilities, t)
      const probabilityValue = probabilities[0] as number
      return {
        ...(customer.customerId !== undefined ? { customerId: customer.customerId } : {}),
        probability: probabilityValue,
        willBuy: decide(probabilityValue, t),
        modelVersion: predictor.version,
        threshold: t
      }
    })

    // The batch route lives in its own scope so only it accepts text/csv.
    await app.register(async (batchScope) => {
      batchScope.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => {
        try {
          done(null, parseCsvBatch(body as string))
        } catch (err) {
          done(err as Error, undefined)
        }
      })
      registerBatchRoute(batchScope)
    })
  }

  function registerBatchRoute (app: FastifyInstance): void {
    const decide = (p: number, t: number): boolean => p >= t
    // Fastify validates the body before the query and stops at the first failure; when the body
    // failed (partial mode needs to look at it) the query is checked here with the same schema.
    const validateBatchQuery = compileQueryValidator(batchQuerySchema)
    app.post<{ Body: { customers: Customer[] }, Querystring: ScoreQuery }>('/predict/batch', {
      schema: {
        summary: 'Score many customers',
        description: [
          `Scores up to ${config.maxBatch} customers (MAX_BATCH) in one call; predictions come back in the order sent.`,
          'Send JSON `{"customers": [...]}` or `text/csv` with a header row of the Customer field names or of the Kaggle column names',
          '(`ID,Book_length(mins)_overall,...`; a Target column is ignored).',
          'A batch with invalid customers is rejected whole and every problem is listed (up to 100) with its item index,',
          'unless `partial=true`: then valid customers are scored and invalid ones are listed in `errors`.'
        ].join(' '),
        tags: ['prediction'],
        security: [{ apiKey: [] }],
        consumes: ['application/json', 'text/csv'],
        querystring: batchQuerySchema,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['customers'],
          properties: {
            customers: { type: 'array', minItems: 1, maxItems: config.maxBatch, items: { $ref: 'Customer#' } }
          }
        },
        response: {
          200: {
            description: 'One prediction per customer, in request order (partial mode: valid customers only, with their index).',
            type: 'object',
            required: ['modelVersion', 'threshold', 'predictions'],
            properties: {
              modelVersion,
              threshold,
              predictions: { type: 'array', items: predictionSchema },
              errors: {
                type: 'array',
                description: 'Partial mode only: the customers that were not scored and why.',
                items: {
                  type: 'object',
                  required: ['index', 'path', 'message'],
                  properties: { index: { type: 'integer' }, path: { type: 'string' }, message: { type: 'string' } }
                }
              }
            }
          },
          ...errorResponses(400, 401, 404, 413, 415, 500, 503)
        }
      },
      attachValidation: true,
      preValidation: async (request) => {
        // Checked before schema validation so an oversized batch costs nothing to refuse.
        const customers = (request.body as { customers?: unknown } | null)?.customers
        if (Array.isArray(customers) && customers.length > config.maxBatch) {
          throw new ServiceError('BATCH_TOO_LARGE', `batch has ${customers.length} customers, more than the limit of ${config.maxBatch} (MAX_BATCH)`)
        }
      }
    }, async (request) => {
      const validationError = request.validationError as (Error & { validation?: unknown[], validationContext?: string }) | undefined
      if (validationError?.validationContext === 'body' && !validateBatchQuery(request.query)) {
        const details = describeAjvErrors(validateBatchQuery.errors ?? [], 'querystring')
        throw new ServiceError('VALIDATION_FAILED', summarizeProblems(details), details.slice(0, MAX_LISTED_PROBLEMS))
      }
      const partial = request.query.partial === true
      let rejected = new Map<number, ErrorDetail>()
      if (validationError !== undefined) {
        const details = describeAjvErrors((validationError.validation ?? []) as never[], validationError.validationContext ?? 'body')
        const wholeRequest = details.some((d) => validationError.validationContext !== 'body' || itemIndex(d) === null)
        if (!partial || wholeRequest) {
          throw new ServiceError('VALIDATION_FAILED', summarizeProblems(details), details.slice(0, MAX_LISTED_PROBLEMS))
        }
        rejected = new Map()
        for (const d of details) {
          const index = itemIndex(d) as number
          if (!rejected.has(index)) rejected.set(index, d)
        }
      }
      const t = request.query.threshold ?? predictor.threshold
      const all = request.body.customers
      const accepted = rejected.size === 0 ? all : all.filter((_, i) => !rejected.has(i))
      const acceptedIndices = rejected.size === 0 ? null : all.flatMap((_, i) => (rejected.has(i) ? [] : [i]))
      const probabilities = await predictor.predict(accepted)
      metrics.observePredictions(probabilities, t)
      const predictions = accepted.map((c, k) => {
        const p = probabilities[k] as number
        return {
          ...(acceptedIndices !== null ? { index: acceptedIndices[k] } : partial ? { index: k } : {}),
          ...(c.customerId !== undefined ? { customerId: c.customerId } : {}),
          probability: p,
          willBuy: decide(p, t)
        }
      })
      return {
        modelVersion: predictor.version,
        threshold: t,
        predictions,
        ...(partial ? { errors: [...rejected].sort((a, b) => a[0] - b[0]).map(([index, d]) => ({ index, ...d })) } : {})
      }
    })
  }
}
