// GET /model: the model card (version, features with units and training statistics, metrics, threshold).
import type { FastifyInstance } from 'fastify'
import { ServiceError } from '../errors.js'
import type { ModelVersions } from '../../model/model-versions.js'
import { errorResponses } from '../schemas/error-responses.js'

export function modelRoutes (versions: ModelVersions) {
  const models = versions.current
  return async function register (app: FastifyInstance): Promise<void> {
    app.get('/model', {
      schema: {
        summary: 'Model card',
        description: 'What the served model is: version, creation date, input features with units and training statistics, test-split metrics (ROC AUC, PR AUC, log loss, Brier score, calibration error, capture at top 10/20%) and cross-validated metrics, decision threshold and how it was chosen, base rate, permutation feature importance with direction, and the data quirks a reader of the probabilities and reasons must know (dataQuirks).',
        operationId: 'getModelCard',
        tags: ['model'],
        security: [{ apiKey: [] }],
        response: {
          200: {
            description: 'The model card of the loaded artefact (card.json).',
            type: 'object',
            additionalProperties: true,
            required: ['version', 'createdAt', 'threshold', 'baseRate', 'features', 'metrics', 'featureImportance'],
            properties: {
              version: { type: 'string' },
              createdAt: { type: 'string', format: 'date-time' },
              threshold: { type: 'number' },
              baseRate: { type: 'number' },
              features: { type: 'array', items: { type: 'object', additionalProperties: true } },
              metrics: { type: 'object', additionalProperties: true },
              featureImportance: { type: 'array', items: { type: 'object', additionalProperties: true } },
              dataQuirks: {
                description: 'Rules the training data obeys, counted in the training file, that explain surprising reasons (for example "has not listened yet" raising a probability). Absent on models trained before they were recorded.',
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['id', 'finding', 'meaning'],
                  properties: {
                    id: { type: 'string', description: 'Stable identifier, e.g. listened-never-bought.' },
                    finding: { type: 'string', description: 'What the data shows, with counts.' },
                    meaning: { type: 'string', description: 'What it means for probabilities and reasons.' },
                    group: {
                      type: 'object',
                      description: 'The training-file customers the rule is about, and the buyers among them.',
                      additionalProperties: false,
                      required: ['customers', 'buyers'],
                      properties: { customers: { type: 'integer', minimum: 0 }, buyers: { type: 'integer', minimum: 0 } }
                    }
                  }
                }
              }
            }
          },
          ...errorResponses(401, 415, 500, 503)
        }
      }
    }, async () => models.current().card)

    app.get('/model/report', {
      schema: {
        summary: 'Model report (HTML)',
        description: 'A self-contained page with the ROC curve, calibration plot, cumulative gains, score distribution by class, feature importance and the metrics table of the served model, rendered at training time (no internet needed to view it).',
        operationId: 'getModelReport',
        tags: ['model'],
        security: [{ apiKey: [] }],
        // Per media type: the page is HTML, its errors are JSON like every other.
        response: {
          200: { description: 'The report page.', content: { 'text/html': { schema: { type: 'string' } } } },
          ...errorResponses(401, 415, 500, 503),
          404: { description: 'The served model has no report.html (NOT_FOUND): it was trained before reports; retrain it.', $ref: 'Error#' }
        }
      }
    }, async (_request, reply) => {
      const model = models.current()
      const html = model.reportHtml ?? null
      if (html === null) throw new ServiceError('NOT_FOUND', `model ${model.version} has no report.html: retrain it with npm run train`)
      return await reply.type('text/html; charset=utf-8').send(html)
    })
  }
}
