// The Open Inference Protocol v2 (KServe "V2" REST, also what Triton clients speak) beside the
// service's own routes, for its one model, buy-again: server and model metadata, health, inference.
// HTTP only: tensors become customers (oip-tensors.ts), checked against the field table, then the
// scoring use case answers as for POST /predict/batch, with the version the path names (as
// ?modelVersion=). Every error answer is the protocol's {"error": "..."} (oip-errors.ts).
import { NEVER_SHED } from '../never-shed.js'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { listVersions } from '../../artefact/model-catalog.js'
import type { Config } from '../../config.js'
import { counted } from '../../domain/counted.js'
import { VersionUnusableError, type ModelVersions } from '../../model/model-versions.js'
import { scoreCustomers } from '../../scoring/score-customers.js'
import { apiKeyHook } from '../api-key-auth.js'
import { ServiceError } from '../errors.js'
import type { ScoredObserver } from '../scored-observer.js'
import { toOipErrorBody } from '../oip-errors.js'
import { OIP_MODEL_NAME, batchSizeCheck, checkModelName, readUntypedBodiesAsJson, refuseBinaryExtension } from '../oip-request-checks.js'
import {
  inferBodySchema, inferResponseSchema, liveSchema, modelMetadataSchema, modelParamsSchema, modelReadySchema,
  oipErrorResponses, serverMetadataSchema, serverReadySchema, versionParamsSchema
} from '../oip-schemas.js'
import { OUTPUT_NAMES, customersFromInputs, inputMetadata, outputMetadata, outputTensors, warningsParameter, type OutputName, type RequestInput } from '../oip-tensors.js'
import type { Readiness } from '../readiness.js'
import { summarizeProblems } from '../validation.js'

/** The infer routes take no query parameters: unknown ones are refused, as on the other scoring routes. */
const NO_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const

const PLATFORM = 'tensorflowjs'

interface ModelParams { model_name: string, model_version?: string }
interface InferBody {
  id?: string
  parameters?: { threshold?: number }
  inputs: RequestInput[]
  outputs?: Array<{ name: OutputName }>
}

/** The server's name and version, from package.json (next to dist/ in the image as to src/ here). */
function serverInfo (): { name: string, version: string } {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name: string, version: string }
  return { name: pkg.name, version: pkg.version }
}

/** Why the server cannot infer now (starting or draining, as GET /health/ready says), or null. */
function notReady (readiness: Readiness): string | null {
  if (readiness.state === 'starting') return 'the server is starting: the model is loading and warming up'
  return readiness.state === 'draining' ? 'the server is shutting down' : null
}

/**
 * Registered beside the API-key scope of app.ts, not in it: the server health routes stay open like
 * /health/* (the protocol meant them for the kubelet and load balancers, which send no credentials, and
 * they hold no data); every other /v2 route gets the same API-key hook as /predict, in its own scope.
 */
export function inferenceProtocolV2Routes (config: Config, versions: ModelVersions, observeScored: ScoredObserver) {
  return async function register (app: FastifyInstance): Promise<void> {
    app.addHook('preSerialization', toOipErrorBody)
    serverHealthRoutes(app)
    await app.register(async (keyed) => {
      const auth = apiKeyHook(config.apiKeys)
      if (auth !== null) keyed.addHook('onRequest', auth)
      readUntypedBodiesAsJson(keyed)
      serverMetadataRoute(keyed)
      for (const versioned of [false, true]) modelRoutes(keyed, versioned)
    })
  }

  function serverMetadataRoute (app: FastifyInstance): void {
    const server = serverInfo()
    app.get('/v2', {
      schema: {
        summary: 'Server metadata (Open Inference Protocol)',
        operationId: 'oipServerMetadata',
        tags: ['inference-protocol'],
        security: [{ apiKey: [] }],
        response: { 200: serverMetadataSchema, ...oipErrorResponses(401, 415, 500, 503) }
      }
    }, async () => ({ name: server.name, version: server.version, extensions: [] }))
  }

  /** The versions that may be asked for: the one in service first, then the usable ones of the models root. */
  async function requestableVersions (): Promise<string[]> {
    const listed = (await listVersions(versions.modelsRoot)).filter((e) => e.problem === null).map((e) => e.version)
    const serving = versions.current.current().version
    return [serving, ...listed.filter((v) => v !== serving)]
  }

  /** Metadata, ready and infer of buy-again, at /v2/models/buy-again or (versioned) .../versions/{v}. */
  function modelRoutes (app: FastifyInstance, versioned: boolean): void {
    const base = versioned ? '/v2/models/:model_name/versions/:model_version' : '/v2/models/:model_name'
    const label = versioned ? 'Model version' : 'Model'
    const id = versioned ? 'ModelVersion' : 'Model'
    const params = versioned ? versionParamsSchema : modelParamsSchema

    app.get<{ Params: ModelParams }>(base, {
      preValidation: checkModelName,
      schema: {
        summary: `${label} metadata (Open Inference Protocol)`,
        description: 'The inputs (one tensor per customer field, shape [-1]; reviewScore may be left out), the outputs, and the versions that may be asked for.' +
          (versioned ? ' The version is loaded (and verified) if it is not in memory, as for inference.' : ''),
        operationId: `oip${id}Metadata`,
        tags: ['inference-protocol'],
        security: [{ apiKey: [] }],
        params,
        response: { 200: modelMetadataSchema, ...oipErrorResponses(400, 401, 404, 415, 422, 500, 503) }
      }
    }, async (request) => {
      await versions.use(request.params.model_version, () => undefined)
      return { name: OIP_MODEL_NAME, versions: await requestableVersions(), platform: PLATFORM, inputs: inputMetadata(), outputs: outputMetadata() }
    })

    app.get<{ Params: ModelParams }>(`${base}/ready`, {
      preValidation: checkModelName,
      schema: {
        summary: `${label} ready (Open Inference Protocol)`,
        description: '200 {"name", "ready": true} when the server is ready and the version (without one in the path: the one in service) is loaded or loads; ' +
          '503 {"name", "ready": false, "error"} while starting or shutting down, or for a version that exists but cannot be served; 404 for an unknown model or version.',
        operationId: `oip${id}Ready`,
        tags: ['inference-protocol'],
        security: [{ apiKey: [] }],
        params,
        response: {
          200: { description: 'Ready to infer.', ...modelReadySchema },
          // Not required here: a shed request gets {"error"} alone, which a required name would turn into a 500.
          503: { description: 'Not ready, or the version cannot be served: {"name", "ready": false, "error"}; {"error"} alone when the server is overloaded (load shedding).', type: 'object', properties: modelReadySchema.properties },
          ...oipErrorResponses(400, 401, 404, 415, 500)
        }
      }
    }, async (request, reply) => {
      let problem = notReady(app.readiness)
      if (problem === null) {
        try {
          await versions.use(request.params.model_version, () => undefined)
        } catch (err) {
          // An unknown version stays 404 (the error handler's answer); one that cannot load is "not ready".
          if (!(err instanceof VersionUnusableError)) throw err
          problem = err.message
        }
      }
      if (problem !== null) return await reply.code(503).send({ name: OIP_MODEL_NAME, ready: false, error: problem })
      return { name: OIP_MODEL_NAME, ready: true }
    })

    app.post<{ Params: ModelParams, Body: InferBody }>(`${base}/infer`, {
      onRequest: refuseBinaryExtension,
      preValidation: [checkModelName, batchSizeCheck(config.maxBatch)],
      schema: {
        summary: `${label} inference (Open Inference Protocol)`,
        description: [
          `Scores up to ${counted(config.maxBatch, 'customer')} (MAX_BATCH) sent as one input tensor per customer field; the same validation and the same probabilities as POST /predict/batch.`,
          'A tensor that is missing, unknown, of another datatype or shape, or holds a value the field refuses (bounds, type, a total below its average) is 400 naming the tensor and the row (from 0).',
          'JSON data only: the binary tensor data extension is not supported. A body without a content type is read as JSON (Triton\'s Python client sends none).',
          'No query parameters: options such as the threshold go in the body\'s parameters (a ?threshold= would otherwise be ignored without a word).'
        ].join(' '),
        operationId: `oip${id}Infer`,
        tags: ['inference-protocol'],
        security: [{ apiKey: [] }],
        consumes: ['application/json'],
        params,
        querystring: NO_QUERY,
        body: inferBodySchema,
        response: { 200: inferResponseSchema, ...oipErrorResponses(400, 401, 404, 413, 415, 422, 500, 503) }
      }
    }, async (request) => {
      const body = request.body
      const read = customersFromInputs(body.inputs)
      if (read.problems !== null) throw new ServiceError('VALIDATION_FAILED', summarizeProblems(read.problems), read.problems)
      const customers = read.customers
      const outputs: readonly OutputName[] = body.outputs?.map((o) => o.name) ?? OUTPUT_NAMES
      const result = await versions.use(request.params.model_version, async (model) => await scoreCustomers(model, customers, { threshold: body.parameters?.threshold }))
      observeScored(customers, result)
      return {
        model_name: OIP_MODEL_NAME,
        model_version: result.modelVersion,
        id: body.id,
        parameters: { threshold: result.threshold, warnedCustomers: result.warnedCustomers, warnings: warningsParameter(result.predictions) },
        outputs: outputTensors(result.probabilities, result.predictions, outputs)
      }
    })
  }
}

/** GET /v2/health/live and /v2/health/ready: open, the answers of /health/* in the protocol's words. */
function serverHealthRoutes (app: FastifyInstance): void {
  app.get('/v2/health/live', {
    config: NEVER_SHED,
    schema: {
      summary: 'Server live (Open Inference Protocol)',
      description: '200 {"live": true} while the process is up, as GET /health/live. Open even with API_KEYS.',
      operationId: 'oipServerLive',
      tags: ['inference-protocol'],
      security: [],
      response: { 200: liveSchema, ...oipErrorResponses(415) }
    }
  }, async () => ({ live: true }))

  app.get('/v2/health/ready', {
    config: NEVER_SHED,
    schema: {
      summary: 'Server ready (Open Inference Protocol)',
      description: '200 {"ready": true} once the model is loaded and warmed up; 503 {"ready": false, "error"} while starting and shutting down, as GET /health/ready. Open even with API_KEYS.',
      operationId: 'oipServerReady',
      tags: ['inference-protocol'],
      security: [],
      response: {
        200: { description: 'Ready to infer.', ...serverReadySchema },
        503: { description: 'Starting or shutting down.', ...serverReadySchema },
        ...oipErrorResponses(415)
      }
    }
  }, async (_request, reply) => {
    const problem = notReady(app.readiness)
    if (problem !== null) return await reply.code(503).send({ ready: false, error: problem })
    return { ready: true }
  })
}
