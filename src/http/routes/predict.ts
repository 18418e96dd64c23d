// POST /predict and POST /predict/batch: HTTP only. Validation is declared in the schemas
// (schemas/predict-schemas.ts, domain/customer.ts); the answer comes from the scoring use case
// (scoring/score-customers.ts) with the model in service when the request is scored.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../../config.js'
import type { Customer } from '../../domain/customer.js'
import { counted } from '../../domain/counted.js'
import { CsvBatch, csvRowsRejected, parseCsvBatch } from '../csv-body.js'
import { decodeUtf8Body } from '../json-body.js'
import { batchAnswer } from '../batch-answer.js'
import { LARGE_INPUT_HINT, ServiceError, type ErrorDetail } from '../errors.js'
import type { ModelVersions } from '../../model/model-versions.js'
import type { ScoredObserver } from '../scored-observer.js'
import { scoreCustomers, type ScoredCustomer } from '../../scoring/score-customers.js'
import { targetingProblem, type TargetingOptions } from '../../scoring/targeting.js'
import { MAX_LISTED_PROBLEMS, compileQueryValidator, describeAjvErrors, summarizeProblems } from '../validation.js'
import { batchBodySchema, batchQuerySchema, batchResponses, singleQuerySchema, singleResponses } from '../schemas/predict-schemas.js'
import { documentBatchBodies } from '../schemas/batch-body-document.js'

interface SingleQuery { threshold?: number, explain?: boolean, modelVersion?: string }

interface BatchQuery extends SingleQuery, TargetingOptions { partial?: boolean }

const JSON_TYPE = /^application\/json\s*(;|$)/i

function isJson (request: FastifyRequest): boolean {
  return JSON_TYPE.test(request.headers['content-type'] ?? '')
}

/** Index of the batch item a validation problem belongs to, or null when it is about the request as a whole. */
function itemIndex (detail: ErrorDetail): number | null {
  const match = /^customers\/(\d+)(\/|$)/.exec(detail.path)
  return match === null ? null : Number(match[1])
}

function validationFailed (details: ErrorDetail[]): ServiceError {
  return new ServiceError('VALIDATION_FAILED', summarizeProblems(details), details.slice(0, MAX_LISTED_PROBLEMS))
}

export function predictRoutes (config: Config, versions: ModelVersions, observeScored: ScoredObserver) {
  return async function register (app: FastifyInstance): Promise<void> {
    app.post<{ Body: Customer, Querystring: SingleQuery }>('/predict', {
      schema: {
        summary: 'Score one customer',
        description: 'Returns the calibrated probability that this customer buys again within 6 months, and willBuy against the model\'s threshold (or `threshold` from the query). `explain=true` adds the reasons.',
        operationId: 'predictOne',
        tags: ['prediction'],
        security: [{ apiKey: [] }],
        consumes: ['application/json'],
        querystring: singleQuerySchema,
        body: { $ref: 'Customer#' },
        response: singleResponses
      },
      // Callback style: an async hook costs a promise on every request.
      preValidation: (request, _reply, done) => {
        done(isJson(request) ? undefined : new ServiceError('UNSUPPORTED_MEDIA_TYPE', `POST /predict takes application/json, got ${request.headers['content-type'] ?? 'no content type'}`))
      }
    }, async (request) => {
      const customer = request.body
      const { explain, threshold, modelVersion } = request.query
      const result = await versions.use(modelVersion, async (model) => await scoreCustomers(model, [customer], { threshold, explain }))
      observeScored([customer], result)
      const prediction = result.predictions[0] as ScoredCustomer
      // An undefined customerId, reasons or warnings is left out by the response serializer.
      return {
        customerId: prediction.customerId,
        probability: prediction.probability,
        willBuy: prediction.willBuy,
        modelVersion: result.modelVersion,
        threshold: result.threshold,
        reasons: prediction.reasons,
        warnings: prediction.warnings
      }
    })

    // The batch route lives in its own scope so only it accepts text/csv.
    await app.register(async (batchScope) => {
      batchScope.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (_request, body, done) => {
        try {
          // MAX_BATCH is checked there, before any row is converted.
          done(null, parseCsvBatch(decodeUtf8Body(body as Buffer, 'CSV'), config.maxBatch))
        } catch (err) {
          done(err as Error, undefined)
        }
      })
      registerBatchRoute(batchScope)
    })
  }

  function registerBatchRoute (app: FastifyInstance): void {
    // Fastify validates the body before the query and stops at the first failure; when the body
    // failed (partial mode needs to look at it) the query is checked here with the same schema.
    const validateBatchQuery = compileQueryValidator(batchQuerySchema)
    app.post<{ Body: { customers: Customer[] }, Querystring: BatchQuery }>('/predict/batch', {
      schema: {
        summary: 'Score many customers',
        description: [
          `Scores up to ${counted(config.maxBatch, 'customer')} (MAX_BATCH) in one call; predictions come back in the order sent.`,
          'Send JSON `{"customers": [...]}` or `text/csv` with a header row of the Customer field names or of the Kaggle column names',
          '(`ID,Book_length(mins)_overall,...`; a Target column is ignored).',
          'A batch with invalid customers is rejected whole and every problem is listed (up to 100) with its item index,',
          'unless `partial=true`: then valid customers are scored and invalid ones are listed in `errors`.',
          'CSV problems speak CSV, in the words of `npm run score` and training: `path` is `row 3 (line 4), column Price_overall`',
          '(the data row counted from 1 after the header, the line of the file, the column as the header names it; no column for a',
          'whole-row problem such as a wrong cell count), `message` is `row 3 (line 4), column Price_overall: must be a number, got "9,5"`,',
          'one problem per bad row, and in partial mode `errors[].index` is the data row counted from 0.',
          'A body that is not a readable customer CSV (empty, no header row, a header but no data rows, a missing or unknown column,',
          '`;` or tab separators, broken quoting) is 400 INVALID_CSV.',
          'Targeting: with `contactCost` and `conversionValue` (and/or `budget`) every prediction gets an `action`',
          '("target" or "skip") from its expected profit probability x conversionValue - contactCost, highest first within',
          'the budget, and `targeting` sums up the plan against contacting everyone. `explain=true` adds reasons per customer.'
        ].join(' '),
        operationId: 'predictBatch',
        tags: ['prediction'],
        security: [{ apiKey: [] }],
        consumes: ['application/json', 'text/csv'],
        querystring: batchQuerySchema,
        body: batchBodySchema(config),
        response: batchResponses
      },
      // The document shows the text/csv body as the CSV text it is; validation is untouched (the CSV
      // parser above hands the body schema a {customers} object, like a JSON body).
      config: { swaggerTransform: documentBatchBodies(config) },
      attachValidation: true,
      preValidation: async (request) => {
        // Checked before schema validation so an oversized batch costs nothing to refuse.
        const customers = (request.body as { customers?: unknown } | null)?.customers
        if (Array.isArray(customers) && customers.length > config.maxBatch) {
          throw new ServiceError('BATCH_TOO_LARGE', `batch has ${customers.length} customers, more than the limit of ${config.maxBatch} (MAX_BATCH): ${LARGE_INPUT_HINT}`)
        }
      }
    }, async (request) => {
      const validationError = request.validationError as (Error & { validation?: unknown[], validationContext?: string }) | undefined
      if (validationError?.validationContext === 'body' && !validateBatchQuery(request.query)) {
        throw validationFailed(describeAjvErrors(validateBatchQuery.errors ?? [], 'querystring'))
      }
      const query = request.query
      const partial = query.partial === true
      const rejected = new Map<number, ErrorDetail>()
      let accepted: Customer[]
      // In partial mode every prediction says which request item (CSV: data row, from 0) it answers.
      let indices: readonly number[] | undefined
      if (request.body instanceof CsvBatch) {
        // The codec (domain/customer-csv.ts) checked every row, across fields too; the body schema saw only
        // the valid rows and can add nothing but "no valid row" (minItems), which the row errors say better.
        const csv = request.body
        if (validationError !== undefined && (validationError.validationContext !== 'body' || csv.customers.length > 0)) {
          throw validationFailed(describeAjvErrors((validationError.validation ?? []) as never[], validationError.validationContext ?? 'body'))
        }
        const errors = csv.errors()
        if (errors.length > 0 && !partial) throw csvRowsRejected(errors)
        for (const { index, path, message } of errors) rejected.set(index, { path, message })
        accepted = csv.customers
        indices = partial ? csv.rowIndexes() : undefined
      } else {
        if (validationError !== undefined) {
          const details = describeAjvErrors((validationError.validation ?? []) as never[], validationError.validationContext ?? 'body')
          const wholeRequest = details.some((d) => validationError.validationContext !== 'body' || itemIndex(d) === null)
          if (!partial || wholeRequest) throw validationFailed(details)
          for (const d of details) {
            const index = itemIndex(d) as number
            if (!rejected.has(index)) rejected.set(index, d)
          }
        }
        const all = request.body.customers
        accepted = rejected.size === 0 ? all : all.filter((_, i) => !rejected.has(i))
        indices = !partial ? undefined : rejected.size === 0 ? all.map((_, i) => i) : all.flatMap((_, i) => (rejected.has(i) ? [] : [i]))
      }
      // After the body checks, so a malformed figure is named as such first.
      const problem = targetingProblem(query)
      if (problem !== null) throw validationFailed([{ path: 'querystring', message: problem }])
      const result = await versions.use(query.modelVersion, async (model) => await scoreCustomers(model, accepted, { threshold: query.threshold, explain: query.explain, targeting: query, indices }))
      observeScored(accepted, result)
      // Written by Fastify from batchResponses[200] (fast-json-stringify; undefined fields left out): a
      // hand-written writer measured no faster (bench/answer-writer.ts) and was removed.
      return batchAnswer(result, partial ? [...rejected].sort((a, b) => a[0] - b[0]).map(([index, d]) => ({ index, ...d })) : undefined)
    })
  }
}
