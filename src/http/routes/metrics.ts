// GET /metrics: Prometheus text format.
import type { FastifyInstance } from 'fastify'
import { NEVER_SHED } from '../never-shed.js'
import type { ServiceMetrics } from '../../observability/service-metrics.js'
import { errorResponses } from '../schemas/error-responses.js'

export function metricsRoutes (metrics: ServiceMetrics) {
  return async function register (app: FastifyInstance): Promise<void> {
    app.get('/metrics', {
      config: NEVER_SHED,
      schema: {
        summary: 'Prometheus metrics',
        description: 'Request durations by route template and status, predictions by decision, the probability distribution, batch sizes, buy_again_model_info{version} and the Node.js process metrics, in the Prometheus text format.',
        operationId: 'getMetrics',
        tags: ['operations'],
        // Open even with API_KEYS: scraped from inside the cluster.
        security: [],
        // Per media type: the metrics are text/plain, its errors JSON like every other.
        response: {
          200: { description: 'Prometheus text exposition format 0.0.4.', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...errorResponses(415)
        }
      }
    }, async (_request, reply) => {
      return await reply.type(metrics.registry.contentType).send(await metrics.render())
    })
  }
}
