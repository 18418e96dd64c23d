// A stand-in for the committed model without TensorFlow.js (whose import costs each test file ~1 s):
// the committed artefact's card, report and preprocessing, with a fixed logistic function of the
// standardized features as its probability and real occlusion reasons over that function. For tests
// of the HTTP edge (errors, limits, auth, docs, metrics); tests of the model's answers use the real one.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ModelCard } from '../../src/artefact/model-card.js'
import { CURRENT_FILE, DEFAULT_MODELS_ROOT } from '../../src/artefact/models-root.js'
import type { CustomerInputs } from '../../src/domain/customer.js'
import { FEATURE_COUNT, toVector, type FeatureStats } from '../../src/domain/features.js'
import { occludedCustomers, reasonsFrom, referenceValues } from '../../src/model/explanations.js'
import type { ServingModel } from '../../src/model/serving-model.js'

/** Weights of the stand-in's logistic function, one per feature, alternating in sign. */
const WEIGHTS = Array.from({ length: FEATURE_COUNT }, (_, j) => (j % 2 === 0 ? 0.4 : -0.3))
const INTERCEPT = -1.6

export function committedStubModel (): ServingModel {
  const dir = join(DEFAULT_MODELS_ROOT, readFileSync(join(DEFAULT_MODELS_ROOT, CURRENT_FILE), 'utf8').trim())
  const card = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as ModelCard
  const stats = JSON.parse(readFileSync(join(dir, 'preprocessing.json'), 'utf8')) as FeatureStats
  const reportHtml = readFileSync(join(dir, 'report.html'), 'utf8')
  const reference = referenceValues(card.features, stats.reviewScoreImputation)
  const probabilities = (customers: readonly CustomerInputs[]): Float32Array => Float32Array.from(customers, (c) => {
    const x = toVector(c, stats)
    let z = INTERCEPT
    for (let j = 0; j < FEATURE_COUNT; j++) z += (WEIGHTS[j] as number) * (x[j] as number)
    return 1 / (1 + Math.exp(-z))
  })
  return {
    version: card.version,
    threshold: card.threshold,
    card,
    reportHtml,
    executor: 'test stand-in (logistic function of the features)',
    predict: async (customers) => probabilities(customers),
    explain: (customers, reported) => {
      const occluded = occludedCustomers(customers, reference)
      return reasonsFrom(customers, reported, probabilities(occluded), reference)
    }
  }
}
