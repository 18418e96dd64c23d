// Seeded synthetic test-split predictions and a model card made from them, for rendering reports in tests.
import { CUSTOMER_FIELDS } from '../../src/domain/customer.js'
import type { ModelCard } from '../../src/artefact/model-card.js'
import { createRandom } from '../../src/domain/seeded-random.js'
import { DEFAULT_TRAINING_OPTIONS, evaluateScores } from '../../src/training/pipeline.js'

export interface SyntheticPredictions {
  readonly scores: Float32Array
  readonly labels: number[]
}

/** Skewed probabilities (most customers unlikely buyers) with labels drawn from them, so they are calibrated by construction. */
export function syntheticPredictions (count: number, seed: number): SyntheticPredictions {
  const random = createRandom(seed)
  const scores = new Float32Array(count)
  const labels: number[] = []
  for (let i = 0; i < count; i++) {
    scores[i] = random() ** 2.5
    labels.push(random() < (scores[i] as number) ? 1 : 0)
  }
  // Both classes, whatever the seed: the curves need them.
  labels[0] = 1
  labels[1] = 0
  return { scores, labels }
}

/** A complete model card (without file checksums) whose metrics are computed from `predictions`. */
export function syntheticCard (predictions: SyntheticPredictions, overrides: Partial<Omit<ModelCard, 'files'>> = {}): Omit<ModelCard, 'files'> {
  const { scores, labels } = predictions
  const threshold = 0.4
  const baseRate = labels.reduce((s, l) => s + l, 0) / labels.length
  const metrics = evaluateScores(scores, labels, threshold, baseRate, 1)
  return {
    version: 'v20990101-deadbeef',
    createdAt: new Date(Date.UTC(2099, 0, 1)).toISOString(),
    description: 'Synthetic model card for report tests.',
    threshold,
    thresholdMethod: 'fixed for the test',
    baseRate,
    calibration: { method: 'none', slope: 1, intercept: 0 },
    metrics: { test: metrics, validation: metrics },
    featureImportance: CUSTOMER_FIELDS.map((f, i) => ({ field: f.name, aucDrop: 0.2 / (i + 1) - 0.01 })),
    features: [],
    data: { file: 'synthetic.csv', sha256: '0'.repeat(64), layout: 'kaggle', rows: labels.length * 5, skippedRows: 0, splits: { train: labels.length * 3, validation: labels.length, test: labels.length } },
    training: { seed: 1, options: DEFAULT_TRAINING_OPTIONS, members: [{ bestEpoch: 3, epochsRun: 13, validationLogLoss: 0.3 }], seconds: 1.5 },
    libraries: { node: process.version },
    ...overrides
  }
}
