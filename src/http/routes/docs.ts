// The OpenAPI 3 description generated from the route schemas (GET /openapi.json, /openapi.yaml)
// and a Swagger UI page (GET /docs) whose assets are served locally, so it works offline.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

export const OPENAPI_INFO = {
  title: 'Buy-again prediction API',
  version: '1.0.0',
  description: [
    'Calibrated probabilities that an audiobook customer buys again within the next 6 months.',
    'Probabilities are honest: averaged over many customers they match the observed buy-again rate, so they can be',
    'summed into expected buyers and budgets. `willBuy` compares the probability with the model\'s threshold',
    '(chosen on validation data to maximize F1; see GET /model) or with `?threshold=`.',
    'Every client error is JSON with `statusCode`, `error`, `code`, `message` (naming the field path and batch index) and `requestId`.'
  ].join(' ')
}

/** Registers @fastify/swagger; call before any route so every route is collected. */
export async function registerOpenApi (app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema, like the ones the routes validate with (type arrays for
      // nullable fields, numeric exclusiveMinimum).
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Needed only when the server runs with API_KEYS set.' }
        }
      },
      tags: [
        { name: 'prediction', description: 'Scoring customers' },
        { name: 'model', description: 'The served model' },
        { name: 'operations', description: 'Probes, metrics and documentation' }
      ]
    },
    refResolver: {
      // Shared schemas appear under their own names (Customer, Error) in components.schemas.
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`)
    }
  })
}

export async function docsRoutes (app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: false } })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) => {
    return await reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true }))
  })
}
