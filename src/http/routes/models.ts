// GET /models: the versions in the models root with their key test metrics, which one CURRENT names,
// which are in memory, and why the last attempt to load a new current version failed, if it did.
import type { FastifyInstance } from 'fastify'
import { listVersions, readCurrentVersion } from '../../artefact/model-catalog.js'
import type { ModelVersions } from '../../model/model-versions.js'
import { errorResponses } from '../schemas/error-responses.js'

const nullableNumber = { type: ['number', 'null'] } as const

const versionSchema = {
  type: 'object',
  required: ['version', 'createdAt', 'rocAuc', 'logLoss', 'calibrationError', 'current', 'loaded'],
  properties: {
    version: { type: 'string' },
    createdAt: { type: ['string', 'null'], description: 'From the card; null when the card cannot be read.' },
    rocAuc: { ...nullableNumber, description: 'Test-split ROC AUC.' },
    logLoss: { ...nullableNumber, description: 'Test-split log loss.' },
    calibrationError: { ...nullableNumber, description: 'Test-split expected calibration error.' },
    threshold: nullableNumber,
    current: { type: 'boolean', description: 'The version models/CURRENT names.' },
    serving: { type: 'boolean', description: 'The version answering requests without ?modelVersion= (differs from current while a new version loads, or when it failed to load).' },
    loaded: { type: 'boolean', description: 'In memory now (the one serving, or pinned by ?modelVersion=).' },
    problem: { type: ['string', 'null'], description: 'Why the card cannot be used (unreadable, not JSON, or naming another version), else null.' }
  }
} as const

export function modelVersionsRoutes (versions: ModelVersions) {
  return async function register (app: FastifyInstance): Promise<void> {
    app.get('/models', {
      schema: {
        summary: 'Model versions',
        description: 'The versions in the models root with their test metrics (ROC AUC, log loss, calibration error), which one models/CURRENT names, which one serves, which are loaded, and the last failed reload (lastReloadError: version, file, message, time), if any. Without MODEL_DIR the server watches models/CURRENT and swaps to the version it names within seconds (also on SIGHUP); a version that fails verification is left out and the one serving keeps serving.',
        operationId: 'listModelVersions',
        tags: ['model'],
        security: [{ apiKey: [] }],
        response: {
          200: {
            description: 'The versions, oldest first.',
            type: 'object',
            required: ['serving', 'current', 'watching', 'maxLoadedModels', 'lastReloadError', 'versions'],
            properties: {
              serving: { type: 'string', description: 'Version answering requests without ?modelVersion=.' },
              current: { type: ['string', 'null'], description: 'Version models/CURRENT names (null: missing or invalid).' },
              watching: { type: 'boolean', description: 'Whether models/CURRENT is watched (false when MODEL_DIR pins the served directory).' },
              maxLoadedModels: { type: 'integer' },
              lastReloadError: {
                type: ['object', 'null'],
                required: ['version', 'file', 'message', 'time'],
                properties: {
                  version: { type: ['string', 'null'] },
                  file: { type: ['string', 'null'] },
                  message: { type: 'string' },
                  time: { type: 'string', format: 'date-time' }
                }
              },
              versions: { type: 'array', items: versionSchema }
            }
          },
          ...errorResponses(401, 415, 500, 503)
        }
      }
    }, async () => {
      const [entries, current] = await Promise.all([listVersions(versions.modelsRoot), readCurrentVersion(versions.modelsRoot)])
      const serving = versions.current.current().version
      const loaded = new Set(versions.loadedVersions())
      return {
        serving,
        current,
        watching: versions.watching,
        maxLoadedModels: versions.maxLoaded,
        lastReloadError: versions.lastReloadError,
        versions: entries.map((e) => ({ ...e, current: e.version === current, serving: e.version === serving, loaded: loaded.has(e.version) }))
      }
    })
  }
}
