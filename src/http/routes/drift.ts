// GET /model/drift: how the customers recently scored by the current model version compare with the
// training split, field by field (population stability index per field, bins side by side).
import type { FastifyInstance } from 'fastify'
import { ServiceError } from '../errors.js'
import type { ModelVersions } from '../../model/model-versions.js'
import type { DriftWindow } from '../../scoring/drift-window.js'
import { CUSTOMER_FIELDS } from '../../domain/customer.js'
import { errorResponses } from '../schemas/error-responses.js'

const share = { type: 'number', minimum: 0, maximum: 1 } as const

const binSchema = {
  type: 'object',
  required: ['lower', 'upper', 'trainingShare', 'windowShare'],
  properties: {
    lower: { type: ['number', 'null'], description: 'Exclusive lower edge (null: the first bin, no lower edge). Booleans count as 0 and 1.' },
    upper: { type: ['number', 'null'], description: 'Inclusive upper edge (null: the last bin, which also holds values above the training range).' },
    trainingShare: { ...share, description: 'Share of the training split in this bin.' },
    windowShare: { ...share, description: 'Share of the window in this bin (0 while the window is empty).' }
  }
} as const

const featureSchema = {
  // Shared (registered below): one definition in the OpenAPI document for every customer field.
  $id: 'DriftFeature',
  type: 'object',
  required: ['psi', 'bins'],
  properties: {
    psi: {
      type: ['number', 'null'],
      description: 'Population stability index, sum over bins of (window - training) x ln(window / training), shares floored at 1e-4; null while the window is empty. Rule of thumb: below 0.1 stable, 0.1-0.25 a moderate shift, above 0.25 a major one.'
    },
    bins: { type: 'array', items: binSchema },
    missing: {
      type: 'object',
      description: 'Optional fields (reviewScore): share of customers without a value. They are binned as the value the model imputes, so sending null or that value reads the same in the bins.',
      required: ['trainingShare', 'windowShare'],
      properties: { trainingShare: share, windowShare: share }
    }
  }
} as const

const driftSchema = {
  description: 'The window of the current model version against its training distribution.',
  type: 'object',
  required: ['modelVersion', 'window', 'capacity', 'baseRate', 'meanProbability', 'features'],
  properties: {
    modelVersion: { type: 'string', description: 'The version in service, whose customers the window holds (customers scored with ?modelVersion= pinned to another version are not counted).' },
    window: { type: 'integer', minimum: 0, description: 'Customers in the window: the last ones scored, at most `capacity`.' },
    capacity: { type: 'integer', minimum: 1, description: 'Most customers the window holds (DRIFT_WINDOW).' },
    baseRate: { ...share, description: 'Share of buyers in the training split: what the mean probability is when the customers look like the training data.' },
    meanProbability: { type: ['number', 'null'], minimum: 0, maximum: 1, description: 'Mean reported probability over the window; null while it is empty.' },
    features: {
      type: 'object',
      description: 'One entry per customer field, named as in the Customer schema.',
      required: CUSTOMER_FIELDS.map((f) => f.name),
      // A property per field (generated clients get each name), all pointing at one schema.
      properties: Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f.name, { $ref: 'DriftFeature#' }])),
      additionalProperties: false
    }
  }
} as const

export function driftRoutes (versions: ModelVersions, drift: DriftWindow) {
  return async function register (app: FastifyInstance): Promise<void> {
    app.addSchema(featureSchema)
    app.get('/model/drift', {
      schema: {
        summary: 'Input drift of the served model',
        description: 'Compares the last DRIFT_WINDOW customers scored by the current model version (kept as bin indexes, no customer data) with the training split stored in the model card: per customer field the population stability index and the bins side by side, and the window\'s mean probability against the training base rate. The window restarts when another version is put in service.',
        operationId: 'getModelDrift',
        tags: ['model'],
        security: [{ apiKey: [] }],
        response: {
          200: driftSchema,
          ...errorResponses(401, 415, 500, 503),
          409: { description: 'The served model\'s card has no training input distribution (DRIFT_REFERENCE_MISSING): it was trained before drift monitoring; retrain it.', $ref: 'Error#' }
        }
      }
    }, async () => {
      const model = versions.current.current()
      const report = drift.report(model)
      if (report === null) {
        throw new ServiceError('DRIFT_REFERENCE_MISSING', `model ${model.version} has no training input distribution in its card (trained before drift monitoring): retrain it with npm run train to monitor drift`)
      }
      return report
    })
  }
}
