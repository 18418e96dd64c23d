// Training pipeline: customers + labels -> held-out test split -> cross-fitted members -> one ensemble
// -> Platt scaling and threshold on the out-of-fold predictions -> evaluation. No file I/O:
// scripts/train.ts reads the CSV and writes the artefact.
import type { CustomerInputs } from '../domain/customer.js'
import { FEATURE_COUNT, type FeatureStats } from '../domain/features.js'
import { bestF1Threshold, mean } from '../evaluation/classifier-metrics.js'
import { evaluateScores } from '../evaluation/evaluate-scores.js'
import type {
  CrossValidationMetrics, DataQuirk, EvaluationMetrics, FeatureImportance, FieldStatistics, InputDistribution, TrainingOptions
} from '../artefact/model-card.js'

import { fieldStatistics } from './field-statistics.js'
import { inputDistribution } from './input-distribution.js'
import { type tfl } from '../artefact/tensorflow.js'
import { foldPlattIntoModel, type PlattScaling } from './calibrate.js'
import { combineMembers } from './ensemble.js'
import { asMatrix, predictMatrix, type EpochReport } from './fit.js'
import { calibrateOutOfFold, crossFit, pick, planCrossFit } from './cross-fit.js'
import { dataQuirks } from './data-quirks.js'
import { featureImportance } from './feature-importance.js'

// hiddenUnits, l2 and dropout: the best of `npm run train -- --search` on audiobooks.csv (out-of-fold log
// loss 0.2190, against 0.2198 for the former 16-8 with L2 1e-3 and 0.2229 for 16-8 without any
// regularization; fold-to-fold spread ~0.005, so the top few are close). The whole table: docs/model.md.
// patience 20: with 10, members stopped after as few as 5 epochs on a noisy fold.
export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = {
  hiddenUnits: [32, 16],
  learningRate: 0.005,
  batchSize: 256,
  maxEpochs: 200,
  patience: 20,
  l2: 0,
  dropout: 0.2,
  seed: 42,
  testFraction: 0.15,
  folds: 5,
  calibrate: true
}

export interface TrainingResult {
  readonly model: tfl.LayersModel
  readonly stats: FeatureStats
  readonly threshold: number
  readonly thresholdMethod: string
  readonly trainingBaseRate: number
  readonly calibration: PlattScaling
  readonly crossValidation: CrossValidationMetrics
  readonly test: EvaluationMetrics
  /** Test-split probabilities and labels, for the report's curves. */
  readonly testPredictions: { readonly scores: Float32Array, readonly labels: readonly number[] }
  readonly featureImportance: FeatureImportance[]
  /** Raw customer-field statistics over the training rows (for the model card). */
  readonly fieldStatistics: FieldStatistics[]
  /** Binned customer fields over the training rows: the reference serving measures drift against. */
  readonly inputDistribution: InputDistribution
  /** The data's hard rules, counted over every labelled customer given. */
  readonly dataQuirks: DataQuirk[]
  /** train: the rows the members learned from (all folds together). */
  readonly rows: { readonly train: number, readonly test: number, readonly folds: number }
  readonly members: ReadonlyArray<{ readonly bestEpoch: number, readonly epochsRun: number, readonly validationLogLoss: number }>
}

/** The data cannot train a model (one class only, too few rows): the user's to fix. */
export class TrainingDataError extends Error {}

/** Refuses data that cannot be split into a test part and `folds` folds that each hold both classes. */
function checkTrainable (labels: readonly number[], options: TrainingOptions): void {
  const positives = labels.filter((l) => l === 1).length
  if (positives === 0 || positives === labels.length) throw new TrainingDataError(`training needs both classes: found ${positives} buyers among ${labels.length} customers`)
  const fewest = Math.min(positives, labels.length - positives)
  // Each fold and the test split need at least one customer of the smaller class.
  if (fewest * (1 - options.testFraction) < options.folds || Math.round(fewest * options.testFraction) < 1) {
    throw new TrainingDataError(`too few customers (${labels.length}, ${fewest} in the smaller class) for a test split and ${options.folds} cross-fitting folds that each hold both classes`)
  }
}

/**
 * Cross-fitted training: a stratified test split no member sees; the rest cut in `folds` folds, one member
 * per fold (learns on the others, early-stops on its own); the members' logits averaged in one model;
 * Platt scaling and the willBuy threshold fitted on the out-of-fold predictions of every training row.
 */
export async function trainModel (
  customers: readonly CustomerInputs[], labels: readonly number[], options: TrainingOptions,
  onEpoch?: (report: EpochReport) => void
): Promise<TrainingResult> {
  if (customers.length !== labels.length) throw new TrainingDataError('customers and labels differ in length')
  checkTrainable(labels, options)
  const { holdout, folds, stats } = planCrossFit(customers, labels, options)
  const trainCustomers = pick(customers, holdout.rest)
  const testCustomers = pick(customers, holdout.test)
  const testLabels = pick(labels, holdout.test)
  const trainingBaseRate = mean(pick(labels, holdout.rest))

  const fitted = await crossFit(customers, labels, folds, stats, options, onEpoch)
  const model = combineMembers(fitted.members.map((f) => f.model), FEATURE_COUNT)
  const { calibration, outOfFold, labels: outOfFoldLabels } = calibrateOutOfFold(fitted, labels, options.calibrate)
  foldPlattIntoModel(model, calibration)
  const { threshold } = bestF1Threshold(outOfFold, outOfFoldLabels)

  const testScores = predictMatrix(model, asMatrix(testCustomers, stats))
  return {
    model,
    stats,
    threshold,
    thresholdMethod: 'maximizes F1 on the out-of-fold predictions of the training rows (probability >= threshold means willBuy)',
    trainingBaseRate,
    calibration,
    crossValidation: {
      folds: options.folds,
      outOfFold: evaluateScores(outOfFold, outOfFoldLabels, threshold, trainingBaseRate, options.seed),
      perFold: fitted.perFold
    },
    test: evaluateScores(testScores, testLabels, threshold, trainingBaseRate, options.seed),
    testPredictions: { scores: testScores, labels: testLabels },
    featureImportance: featureImportance(model, stats, testCustomers, testLabels, testScores, options.seed),
    fieldStatistics: fieldStatistics(trainCustomers),
    inputDistribution: inputDistribution(trainCustomers, { reviewScore: stats.reviewScoreImputation }),
    dataQuirks: dataQuirks(customers, labels, stats.reviewScoreImputation),
    rows: { train: holdout.rest.length, test: holdout.test.length, folds: options.folds },
    members: fitted.members.map((f) => ({ bestEpoch: f.bestEpoch, epochsRun: f.epochsRun, validationLogLoss: f.bestValidationLoss }))
  }
}
