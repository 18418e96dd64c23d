// buildApp(config, versions): the Fastify application as a factory (no module state), so tests and
// benchmarks build as many as they like. Plugins, strict validation, one error handler, routes.
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { DestinationStream } from 'pino'
import underPressure from '@fastify/under-pressure'
import { apiKeyHook } from './api-key-auth.js'
import { useGracefulClose } from './graceful-close.js'
import { clientErrorHandler, type AnsweredEarly } from './parser-refusals.js'
import { drainOversizedBody } from './oversized-body.js'
import type { Config } from '../config.js'
import { customerJsonSchema } from '../domain/customer.js'
import { useStrictJsonParser } from './json-body.js'
import { ERROR_BODY_SCHEMA, LARGE_INPUT_HINT, ServiceError, errorBodyOf, type ErrorBody, type ErrorCode } from './errors.js'
import { VersionNotFoundError, VersionUnusableError, type ModelVersions } from '../model/model-versions.js'
import { ServiceMetrics } from '../observability/service-metrics.js'
import { DriftWindow } from '../scoring/drift-window.js'
import { Readiness } from './readiness.js'
import { recordRouteMethods } from './route-methods.js'
import { docsRoutes, registerOpenApi } from './routes/docs.js'
import { driftRoutes } from './routes/drift.js'
import { healthRoutes } from './routes/health.js'
import { inferenceProtocolV2Routes } from './routes/inference-protocol-v2.js'
import { metricsRoutes } from './routes/metrics.js'
import { modelRoutes } from './routes/model.js'
import { modelVersionsRoutes } from './routes/models.js'
import { predictRoutes } from './routes/predict.js'
import { scoredObserver } from './scored-observer.js'
import { MAX_LISTED_PROBLEMS, createValidatorCompiler, describeAjvErrors, summarizeProblems } from './validation.js'

declare module 'fastify' {
  interface FastifyInstance {
    readiness: Readiness
  }
}

export interface AppOptions {
  /** Where log lines go (default stdout); tests capture them here. */
  readonly logStream?: DestinationStream
  /** The drift bookkeeping (default: a window of DRIFT_WINDOW customers); benchmarks hand in their own. */
  readonly driftWindow?: DriftWindow
}

/** Seconds a shed request is told to wait (Retry-After). */
const OVERLOAD_RETRY_AFTER_SECONDS = 1

/**
 * An incoming x-request-id is reused when it is visible ASCII without spaces (tracing formats such as
 * "Root=1-abc;Parent=def" or base64 ids included) and at most 200 characters; anything else, which
 * could smuggle control characters into logs, is replaced by a fresh UUID.
 */
const SAFE_REQUEST_ID = /^[\x21-\x7e]{1,200}$/

/**
 * Fastify's own client-error codes mapped to ours. Its JSON-body errors cannot occur: json-body.ts
 * replaces its JSON parser and raises our own codes.
 */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST'
}

function errorBody (request: FastifyRequest, code: ErrorCode, message: string, details?: ErrorBody['details'], statusCode?: number): ErrorBody {
  return errorBodyOf(code, message, request.id, details, statusCode)
}

function toErrorBody (error: FastifyError & { details?: ErrorBody['details'] }, request: FastifyRequest, config: Config): ErrorBody {
  if (error instanceof ServiceError) return errorBody(request, error.code, error.message, error.details)
  if (error instanceof VersionNotFoundError) return errorBody(request, 'MODEL_VERSION_NOT_FOUND', `${error.message}: GET /models lists the versions`)
  if (error instanceof VersionUnusableError) {
    return errorBody(request, 'MODEL_VERSION_UNUSABLE', error.message, error.file === null ? undefined : [{ path: 'modelVersion', message: `file ${error.file}` }])
  }
  if (error.validation !== undefined) {
    const details = describeAjvErrors(error.validation as never[], error.validationContext ?? 'body')
    return errorBody(request, 'VALIDATION_FAILED', summarizeProblems(details), details.slice(0, MAX_LISTED_PROBLEMS))
  }
  const mapped = FASTIFY_CODES[error.code]
  if (mapped === 'BODY_TOO_LARGE') return errorBody(request, mapped, `request body is larger than the limit of ${config.bodyLimitBytes} bytes (BODY_LIMIT_BYTES): ${LARGE_INPUT_HINT}`)
  if (mapped === 'UNSUPPORTED_MEDIA_TYPE') {
    return errorBody(request, mapped, `content type ${request.headers['content-type'] ?? '(none)'} is not accepted: send application/json (or text/csv to POST /predict/batch)`)
  }
  if (mapped !== undefined) return errorBody(request, mapped, error.message)
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    // Fastify's other client errors (bad headers, a body that ends early...) carry safe messages.
    const code: ErrorCode = status === 413 ? 'BODY_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST'
    return errorBody(request, code, error.message, undefined, status)
  }
  if (status === 503) return errorBody(request, 'NOT_READY', 'service unavailable, retry later')
  return errorBody(request, 'INTERNAL', 'internal error: see the server log under this request id')
}

export async function buildApp (config: Config, versions: ModelVersions, options: AppOptions = {}): Promise<FastifyInstance> {
  const answeredEarly: AnsweredEarly = new WeakMap()
  const app: FastifyInstance = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization'],
      ...(options.logStream !== undefined ? { stream: options.logStream } : {})
    },
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Given at server creation: Fastify sets requestTimeout afterwards, when Node has already fixed
    // headersTimeout (60 s) and its 30 s checking interval, so a stalled body would wait 60-90 s.
    http: {
      maxHeaderSize: config.maxHeaderBytes,
      ...(config.requestTimeoutMs > 0
        ? { requestTimeout: config.requestTimeoutMs, headersTimeout: config.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs) }
        : {})
    },
    // Our onResponse hook writes the one line per request; Fastify's own request lines are off.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    // Fastify counts as closing from the start of app.close(), drain delay included: requests that
    // still arrive then are served as usual (readiness already says 503), not refused with its own
    // non-JSON 503.
    return503OnClosing: false,
    // Requests the HTTP parser refuses (408, 431, malformed) get the JSON error shape too, and are
    // counted (metrics exist by the time the server listens).
    clientErrorHandler: clientErrorHandler(config, () => app, (status) => { metrics.observeParserRefusal(status) }, answeredEarly),
    // Errors Fastify raises before routing (a malformed URL such as /%zz) get the same JSON shape.
    // No route and no hooks run for these, so the request id header, the log line and the duration
    // sample that onRequest / onResponse give every other request are done here.
    frameworkErrors: (error, request, reply) => {
      const body = error.code === 'FST_ERR_BAD_URL'
        ? errorBody(request, 'BAD_URL', 'the URL is not valid (malformed percent-encoding)')
        : toErrorBody(error, request, config)
      // Generic parameters of this hook are unresolved here; the body is our plain ErrorBody.
      const sent = (reply as unknown as FastifyReply).code(body.statusCode).header('x-request-id', request.id)
        .type('application/json; charset=utf-8').send(body)
      recordRequest(request, sent)
    },
    routerOptions: { ignoreTrailingSlash: true }
  })
  app.decorate('readiness', new Readiness())
  // Before any route is registered: the not-found handler answers a wrong method with 405 + Allow.
  const routeMethods = recordRouteMethods(app)
  // app.close() drains: readiness 503, SHUTDOWN_DELAY_MS, then every answer in flight finishes whole.
  useGracefulClose(app, { shutdownDelayMs: config.shutdownDelayMs })
  // Per app, like the metrics: the last DRIFT_WINDOW customers of the version in service.
  const drift = options.driftWindow ?? new DriftWindow(config.driftWindow)
  const metrics = new ServiceMetrics(() => versions.current.current().version, () => versions.reloadCounts(), () => drift.summary(versions.current.current()))
  /** One log line and one duration sample per request: route templates only, no bodies, no customer data. */
  const recordRequest = (request: FastifyRequest, reply: FastifyReply): void => {
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000)
    request.log.info({
      method: request.method,
      route,
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100
    }, 'request')
  }
  app.setValidatorCompiler(createValidatorCompiler())
  app.addSchema(customerJsonSchema())
  app.addSchema(ERROR_BODY_SCHEMA)

  // Only JSON bodies (and CSV on the batch route) exist here; Fastify's default text/plain parser would let other text in.
  app.removeContentTypeParser('text/plain')
  useStrictJsonParser(app)

  // Callback-style hooks: async ones cost a promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    // Bodies are read as sent: a compressed one would otherwise fail later as "invalid JSON".
    const encoding = request.headers['content-encoding']
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      done(new ServiceError('UNSUPPORTED_MEDIA_TYPE', `content-encoding ${encoding.slice(0, 40)} is not supported: send the body uncompressed`))
      return
    }
    done()
  })
  // While draining, every answer closes its connection after it is fully sent, so keep-alive
  // clients move to another pod and shutdown never has to cut a connection.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (app.readiness.state === 'draining') reply.header('connection', 'close')
    done(null, payload)
  })
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    recordRequest(request, reply)
    if (!request.raw.complete) answeredEarly.set(request.raw.socket, request.raw)
    done()
  })

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const body = toErrorBody(error, request, config)
    if (body.statusCode >= 500) request.log.error({ err: error }, 'request failed')
    else request.log.debug({ code: body.code, message: body.message }, 'client error')
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      // The 413 closes the connection: read the rest of the body first (bounded), or a client still
      // writing it gets a reset instead of the answer (oversized-body.ts).
      reply.header('connection', 'close')
      const drained = await drainOversizedBody(request.raw, config)
      request.log.debug(drained, 'oversized body drained before the 413')
    }
    return await reply.code(body.statusCode).type('application/json; charset=utf-8').send(body)
  })

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? request.url
    const allowed = routeMethods.otherMethods(path, request.method)
    if (allowed.length > 0) {
      return await reply.code(405).header('allow', allowed.join(', '))
        .send(errorBody(request, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}`))
    }
    return await reply.code(404).send(errorBody(request, 'NOT_FOUND', `no route ${request.method} ${path}`))
  })

  if (config.maxEventLoopDelayMs > 0) {
    await app.register(underPressure, {
      maxEventLoopDelay: config.maxEventLoopDelayMs,
      // Sampled every second (the default). A shorter window can pass with the loop never idle,
      // record no delay sample at all, and read as infinite delay: 503s on a busy but healthy server.
      sampleInterval: 1000,
      retryAfter: OVERLOAD_RETRY_AFTER_SECONDS,
      // Sheds scoring work; the probes and /metrics carry their own handler (never-shed.ts).
      pressureHandler: (request, reply, type, value) => {
        request.log.warn({ type, value }, 'shedding load')
        // Fastify stops the request once a reply is sent, although under-pressure calls next().
        reply.code(503).header('retry-after', String(OVERLOAD_RETRY_AFTER_SECONDS))
          .send(errorBody(request, 'OVERLOADED', `the server is overloaded (event-loop delay above ${config.maxEventLoopDelayMs} ms): retry after ${OVERLOAD_RETRY_AFTER_SECONDS} s`))
      }
    })
  }
  await registerOpenApi(app)
  const observeScored = scoredObserver(metrics, drift, versions)
  await app.register(healthRoutes(app.readiness, versions.current))
  // Scoring and the model card need an API key when API_KEYS is set; probes, metrics and docs stay open.
  await app.register(async (keyed) => {
    const auth = apiKeyHook(config.apiKeys)
    if (auth !== null) keyed.addHook('onRequest', auth)
    await keyed.register(modelRoutes(versions))
    await keyed.register(modelVersionsRoutes(versions))
    await keyed.register(driftRoutes(versions, drift))
    await keyed.register(predictRoutes(config, versions, observeScored))
  })
  await app.register(inferenceProtocolV2Routes(config, versions, observeScored)) // keys all of /v2 but its health routes itself
  await app.register(metricsRoutes(metrics))
  await app.register(docsRoutes)
  return app
}
