// GET /health/live and GET /health/ready: probes for Kubernetes. Liveness never depends on the model.
import { NEVER_SHED } from '../never-shed.js'
import type { FastifyInstance } from 'fastify'
import type { ModelHolder } from '../../model/model-holder.js'
import type { Readiness } from '../readiness.js'
import { errorResponses } from '../schemas/error-responses.js'

const healthSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ok', 'ready', 'starting', 'draining'] },
    modelVersion: { type: 'string' }
  }
} as const

export function healthRoutes (readiness: Readiness, models: ModelHolder) {
  return async function register (app: FastifyInstance): Promise<void> {
    app.get('/health/live', {
      config: NEVER_SHED,
      schema: {
        summary: 'Liveness probe',
        description: '200 while the process is up; does not depend on the model.',
        operationId: 'live',
        tags: ['operations'],
        // Open even with API_KEYS: the kubelet probes without credentials.
        security: [],
        response: { 200: { description: 'The process is alive.', ...healthSchema }, ...errorResponses(415) }
      }
    }, async () => ({ status: 'ok' }))

    app.get('/health/ready', {
      config: NEVER_SHED,
      schema: {
        summary: 'Readiness probe',
        description: '200 once the model is loaded and a warm-up prediction succeeded; 503 while starting and from the moment shutdown begins.',
        operationId: 'ready',
        tags: ['operations'],
        security: [],
        response: {
          200: { description: 'Ready to score.', ...healthSchema },
          503: { description: 'Starting or shutting down.', ...healthSchema },
          ...errorResponses(415)
        }
      }
    }, async (_request, reply) => {
      const state = readiness.state
      if (state !== 'ready') return await reply.code(503).send({ status: state })
      return { status: 'ready', modelVersion: models.current().version }
    })
  }
}
