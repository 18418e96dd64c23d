// Hand-built model cards for the report tests, in both shapes the report must render: a cross-fitted card
// (out-of-fold metrics, per-fold spread, data quirks, directions) and an older one (validation split, none
// of those). Metrics come from src/evaluation only, never from the training pipeline.
import type { DataQuirk, EvaluationMetrics, FeatureImportance, ModelCard, TrainingOptions } from '../../src/artefact/model-card.js'
import { mean } from '../../src/evaluation/classifier-metrics.js'
import { evaluateScores } from '../../src/evaluation/evaluate-scores.js'
import { createRandom } from '../../src/domain/seeded-random.js'

export type ReportCard = Omit<ModelCard, 'files'>

export interface Predictions {
  readonly scores: Float32Array
  readonly labels: number[]
}

/** Skewed probabilities (most customers unlikely buyers) with labels drawn from them: calibrated by construction. */
export function skewedPredictions (count: number, seed: number): Predictions {
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

export function metricsOf (predictions: Predictions, threshold: number): EvaluationMetrics {
  return evaluateScores(predictions.scores, predictions.labels, threshold, mean(predictions.labels), 1)
}

const OPTIONS: TrainingOptions = {
  hiddenUnits: [16, 8],
  learningRate: 0.01,
  batchSize: 64,
  maxEpochs: 100,
  patience: 10,
  l2: 0.0001,
  dropout: 0.1,
  seed: 1,
  testFraction: 0.15,
  folds: 5,
  calibrate: true
}

/** Importance and direction per field, as a cross-fitted card records them (directions as in the Kaggle data). */
export const IMPORTANCE_WITH_DIRECTION: readonly FeatureImportance[] = [
  { field: 'minutesListened', aucDrop: 0.247, direction: -0.62 },
  { field: 'bookLengthTotalMinutes', aucDrop: 0.084, direction: 0.31 },
  { field: 'bookLengthAvgMinutes', aucDrop: 0.065, direction: 0.12 },
  { field: 'lastVisitDaysAfterPurchase', aucDrop: 0.047, direction: -0.22 },
  { field: 'reviewScore', aucDrop: 0.019, direction: 0.05 },
  { field: 'priceTotal', aucDrop: 0.013, direction: 0.18 },
  { field: 'supportRequests', aucDrop: 0.007, direction: -0.03 },
  { field: 'completion', aucDrop: 0.006, direction: -0.4 },
  { field: 'reviewed', aucDrop: 0.005, direction: 0.14 },
  { field: 'priceAvg', aucDrop: -0.001, direction: 0.02 }
]

export const QUIRKS: readonly DataQuirk[] = [
  {
    id: 'listened-never-bought',
    finding: '5,612 of the 10,175 customers in the training file had listened to at least one minute; none of them bought again.',
    meaning: 'The model learned that listening goes with not buying again. That is what the data shows, not a bug.'
  },
  {
    id: 'several-books-bought-again',
    finding: '1,402 customers in the training file had bought more than one book; every one of them bought again.',
    meaning: 'A total above the average pushes the probability up strongly.'
  }
]

/**
 * A card whose test metrics are computed from `test`. 'cross-validated': out-of-fold metrics from
 * `outOfFold`, per-fold spread, quirks and directions; 'validation': the shape of cards trained before.
 */
export function handBuiltCard (
  kind: 'cross-validated' | 'validation', test: Predictions, outOfFold: Predictions, overrides: Partial<ReportCard> = {}
): ReportCard {
  const threshold = 0.4
  const testMetrics = metricsOf(test, threshold)
  const other = metricsOf(outOfFold, threshold)
  const base = {
    version: 'v20990101-deadbeef',
    createdAt: new Date(Date.UTC(2099, 0, 1)).toISOString(),
    description: 'Hand-built model card for report tests.',
    threshold,
    thresholdMethod: 'fixed for the test',
    baseRate: testMetrics.baseRate,
    calibration: { method: 'none', slope: 1, intercept: 0 },
    features: [],
    training: { seed: 1, options: OPTIONS, members: [{ bestEpoch: 3, epochsRun: 13, validationLogLoss: 0.3 }], seconds: 1.5 },
    libraries: { node: process.version }
  }
  const rows = test.labels.length + outOfFold.labels.length
  const card: ReportCard = kind === 'cross-validated'
    ? {
        ...base,
        metrics: {
          test: testMetrics,
          crossValidation: {
            folds: 5,
            outOfFold: other,
            perFold: { rocAuc: { mean: 0.9051, std: 0.0123 }, logLoss: { mean: 0.2312, std: 0.0101 }, expectedCalibrationError: { mean: 0.0211, std: 0.0045 } }
          }
        },
        dataQuirks: QUIRKS,
        featureImportance: IMPORTANCE_WITH_DIRECTION,
        data: { file: 'synthetic.csv', sha256: '0'.repeat(64), layout: 'kaggle', rows, skippedRows: 0, splits: { train: outOfFold.labels.length, test: test.labels.length, folds: 5 } }
      }
    : {
        ...base,
        metrics: { test: testMetrics, validation: other },
        featureImportance: IMPORTANCE_WITH_DIRECTION.map((f) => ({ field: f.field, aucDrop: f.aucDrop })),
        data: { file: 'synthetic.csv', sha256: '0'.repeat(64), layout: 'kaggle', rows: rows + 3 * outOfFold.labels.length, skippedRows: 0, splits: { train: 3 * outOfFold.labels.length, validation: outOfFold.labels.length, test: test.labels.length } }
      }
  return { ...card, ...overrides }
}
