// GET /metrics: Prometheus text format.
import type { FastifyInstance } from 'fastify'
import type { ServiceMetrics } from '../../observability/service-metrics.js'

export function metricsRoutes (metrics: ServiceMetrics) {
  return async function register (app: FastifyInstance): Promise<void> {
    app.get('/metrics', {
      schema: {
        summary: 'Prometheus metrics',
        description: 'Request durations by route template and status, predictions by decision, the probability distribution, batch sizes, model_info{version} and the Node.js process metrics, in the Prometheus text format.',
        tags: ['operations'],
        produces: ['text/plain'],
        response: { 200: { description: 'Prometheus text exposition format 0.0.4.', type: 'string' } }
      }
    }, async (_request, reply) => {
      return await reply.type(metrics.registry.contentType).send(await metrics.render())
    })
  }
}
