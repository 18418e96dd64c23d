// Test helpers for the HTTP layer: the committed model as a predictor, apps built with test config.
import type { FastifyInstance } from 'fastify'
import { buildApp, type AppOptions } from '../../src/http/app.js'
import { loadConfig } from '../../src/config.js'
import { DEFAULT_MODELS_ROOT } from '../../src/artefact/models-root.js'
import type { Customer } from '../../src/domain/customer.js'
import { ModelHolder } from '../../src/model/model-holder.js'
import { ModelVersions } from '../../src/model/model-versions.js'
import type { Predictor } from '../../src/model/predictor.js'
import type { ServingModel } from '../../src/model/serving-model.js'

/**
 * The committed default model (models/CURRENT), loaded as the server would. TensorFlow.js is imported
 * here, on first use, so test files that use only stubs do not pay for it.
 */
export async function loadCommittedPredictor (): Promise<Predictor> {
  const { loadConfiguredModel } = await import('../../src/model/model-loader.js')
  return (await loadConfiguredModel({ modelDir: null, modelsRoot: DEFAULT_MODELS_ROOT, backend: 'wasm' })).predictor
}

/**
 * An app with silent logs unless LOG_LEVEL is given; env overrides the configuration. Load shedding
 * is off unless MAX_EVENT_LOOP_DELAY_MS is given: tests that build big payloads synchronously block
 * the event loop on purpose, and shedding would answer their next request with 503.
 */
export async function buildTestApp (model: ServingModel | ModelHolder | ModelVersions, env: Record<string, string> = {}, options: AppOptions = {}): Promise<FastifyInstance> {
  const config = loadConfig({ LOG_LEVEL: 'silent', MAX_EVENT_LOOP_DELAY_MS: '0', ...env })
  return await buildApp(config, model instanceof ModelVersions ? model : testVersions(model, config.maxLoadedModels), options)
}

/**
 * `model` as the version in service, with the committed models root for ?modelVersion= (loaded with
 * the real loader, imported on first use) and nothing watched.
 */
export function testVersions (model: ServingModel | ModelHolder, maxLoaded = 3, modelsRoot = DEFAULT_MODELS_ROOT): ModelVersions {
  return new ModelVersions(model instanceof ModelHolder ? model : new ModelHolder(model), {
    modelsRoot,
    maxLoaded,
    pinned: true,
    load: async (dir, version) => await (await import('../../src/model/model-loader.js')).loadVerifiedModel(dir, version)
  })
}

/** A valid customer; override any field. */
export function validCustomer (overrides: Record<string, unknown> = {}): Customer {
  return {
    customerId: 'c-1',
    bookLengthAvgMinutes: 1620,
    bookLengthTotalMinutes: 1620,
    priceAvg: 8.5,
    priceTotal: 8.5,
    reviewed: true,
    reviewScore: 9,
    completion: 0,
    minutesListened: 0,
    supportRequests: 0,
    lastVisitDaysAfterPurchase: 30,
    ...overrides
  } as Customer
}
