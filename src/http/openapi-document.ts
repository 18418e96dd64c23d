// The OpenAPI document as YAML, built from an app with the default configuration and a placeholder
// predictor: the schemas are all that matter. Used by scripts/openapi.ts and the staleness test.
import { buildApp } from './app.js'
import { loadConfig } from '../config.js'
import type { ModelCard } from '../artefact/model-card.js'
import { DEFAULT_MODELS_ROOT } from '../artefact/models-root.js'
import { ModelVersions } from '../model/model-versions.js'
import type { ServingModel } from '../model/serving-model.js'

const placeholder: ServingModel = {
  version: 'openapi',
  threshold: 0.5,
  card: {} as ModelCard,
  predict: async (customers) => new Float32Array(customers.length)
}

export async function renderOpenApiYaml (): Promise<string> {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), ModelVersions.fixed(placeholder, DEFAULT_MODELS_ROOT))
  try {
    await app.ready()
    return app.swagger({ yaml: true })
  } finally {
    await app.close()
  }
}
