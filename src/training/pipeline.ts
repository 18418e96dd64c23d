// Training pipeline: customers + labels -> split -> features -> fit -> calibrate -> threshold -> evaluate.
// No file I/O: scripts/train.ts reads the CSV and writes the artefact.
import { CUSTOMER_FIELDS, type CustomerInputs } from '../domain/customer.js'
import { FEATURE_COUNT, fitStats, toMatrix, type FeatureStats } from '../domain/features.js'
import {
  bestF1Threshold, brierScore, calibrationBins, captureAtTop, expectedCalibrationError, logLoss,
  mean, metricsAtThreshold, prAuc, rocAuc
} from '../evaluation/classifier-metrics.js'
import { createRandom, shuffleInPlace } from '../domain/seeded-random.js'
import type { EvaluationMetrics, FeatureImportance, FieldStatistics, InputDistribution, TrainingOptions } from '../artefact/model-card.js'
import { fieldStatistics } from './field-statistics.js'
import { inputDistribution } from './input-distribution.js'
import { type tfl } from '../artefact/tensorflow.js'
import { fitPlattScaling, foldPlattIntoModel, type PlattScaling } from './calibrate.js'
import { combineMembers } from './ensemble.js'
import { fitWithEarlyStopping, predictMatrix, type EpochReport, type FitResult, type Matrix } from './fit.js'
import { stratifiedSplit } from './split.js'

export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = {
  hiddenUnits: [16, 8],
  learningRate: 0.005,
  batchSize: 256,
  maxEpochs: 200,
  patience: 10,
  l2: 0.001,
  seed: 42,
  validationFraction: 0.15,
  testFraction: 0.15,
  ensembleSize: 5,
  calibrate: true
}

export interface TrainingResult {
  readonly model: tfl.LayersModel
  readonly stats: FeatureStats
  readonly threshold: number
  readonly thresholdMethod: string
  readonly trainingBaseRate: number
  readonly calibration: PlattScaling
  readonly validation: EvaluationMetrics
  readonly test: EvaluationMetrics
  /** Test-split probabilities and labels, for the report's curves. */
  readonly testPredictions: { readonly scores: Float32Array, readonly labels: readonly number[] }
  readonly featureImportance: FeatureImportance[]
  /** Raw customer-field statistics over the training split (for the model card). */
  readonly fieldStatistics: FieldStatistics[]
  /** Binned customer fields over the training split: the reference serving measures drift against. */
  readonly inputDistribution: InputDistribution
  readonly rows: { readonly train: number, readonly validation: number, readonly test: number }
  readonly members: ReadonlyArray<{ readonly bestEpoch: number, readonly epochsRun: number, readonly validationLogLoss: number }>
}

/** The data cannot train a model (one class only, too few rows): the user's to fix. */
export class TrainingDataError extends Error {}

function pick<T> (items: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => items[i] as T)
}

function asMatrix (customers: readonly CustomerInputs[], stats: FeatureStats): Matrix {
  return { values: toMatrix(customers, stats), rows: customers.length, columns: FEATURE_COUNT }
}

function balancedSampleAccuracy (scores: Float32Array, labels: readonly number[], cutoff: number, seed: number): number {
  const positives = labels.flatMap((l, i) => (l === 1 ? [i] : []))
  const negatives = shuffleInPlace(labels.flatMap((l, i) => (l === 0 ? [i] : [])), createRandom(seed))
  const size = Math.min(positives.length, negatives.length)
  const sample = [...shuffleInPlace(positives, createRandom(seed + 1)).slice(0, size), ...negatives.slice(0, size)]
  const correct = sample.filter((i) => ((scores[i] as number) >= cutoff ? 1 : 0) === labels[i]).length
  return correct / sample.length
}

export function evaluateScores (scores: Float32Array, labels: readonly number[], threshold: number, trainingBaseRate: number, seed: number): EvaluationMetrics {
  return {
    rows: labels.length,
    baseRate: mean(labels),
    meanProbability: mean(scores),
    rocAuc: rocAuc(scores, labels),
    prAuc: prAuc(scores, labels),
    logLoss: logLoss(scores, labels),
    brierScore: brierScore(scores, labels),
    expectedCalibrationError: expectedCalibrationError(scores, labels, 10),
    calibrationBins: calibrationBins(scores, labels, 10),
    atThreshold: metricsAtThreshold(scores, labels, threshold),
    captureTop10: captureAtTop(scores, labels, 0.1),
    captureTop20: captureAtTop(scores, labels, 0.2),
    balancedSampleAccuracy: balancedSampleAccuracy(scores, labels, trainingBaseRate, seed)
  }
}

/** Permutation importance per customer field: shuffle the field's values across test customers, recompute features, measure the AUC drop. */
export function permutationImportance (
  model: tfl.LayersModel, stats: FeatureStats, customers: readonly CustomerInputs[], labels: readonly number[], seed: number, repeats = 3
): FeatureImportance[] {
  const baseline = rocAuc(predictMatrix(model, asMatrix(customers, stats)), labels)
  return CUSTOMER_FIELDS.map((field, f) => {
    let drop = 0
    for (let r = 0; r < repeats; r++) {
      const values = shuffleInPlace(customers.map((c) => c[field.name]), createRandom(seed * 7919 + f * 31 + r))
      const permuted = customers.map((c, i) => ({ ...c, [field.name]: values[i] }))
      drop += baseline - rocAuc(predictMatrix(model, asMatrix(permuted, stats)), labels)
    }
    return { field: field.name, aucDrop: drop / repeats }
  }).sort((a, b) => b.aucDrop - a.aucDrop)
}

export async function trainModel (
  customers: readonly CustomerInputs[], labels: readonly number[], options: TrainingOptions,
  onEpoch?: (report: EpochReport) => void
): Promise<TrainingResult> {
  if (customers.length !== labels.length) throw new TrainingDataError('customers and labels differ in length')
  const positives = labels.filter((l) => l === 1).length
  if (positives === 0 || positives === labels.length) throw new TrainingDataError(`training needs both classes: found ${positives} buyers among ${labels.length} customers`)
  const split = stratifiedSplit(labels, options.validationFraction, options.testFraction, options.seed)
  if (split.train.length === 0 || split.validation.length === 0 || split.test.length === 0) {
    throw new TrainingDataError(`too few customers (${labels.length}) to make train/validation/test splits`)
  }
  const trainCustomers = pick(customers, split.train)
  const validationCustomers = pick(customers, split.validation)
  const testCustomers = pick(customers, split.test)
  const trainLabels = pick(labels, split.train)
  const validationLabels = pick(labels, split.validation)
  const testLabels = pick(labels, split.test)

  const stats = fitStats(trainCustomers) // training split only
  const trainingBaseRate = mean(trainLabels)
  const validationMatrix = asMatrix(validationCustomers, stats)
  const trainMatrix = asMatrix(trainCustomers, stats)
  const fits: FitResult[] = []
  for (let member = 0; member < options.ensembleSize; member++) {
    fits.push(await fitWithEarlyStopping(trainMatrix, trainLabels, validationMatrix, validationLabels, options, member, onEpoch))
  }
  const model = combineMembers(fits.map((f) => f.model), FEATURE_COUNT)
  const calibration = options.calibrate
    ? fitPlattScaling(predictMatrix(model, validationMatrix), validationLabels)
    : { slope: 1, intercept: 0 }
  foldPlattIntoModel(model, calibration)

  const validationScores = predictMatrix(model, validationMatrix)
  const { threshold } = bestF1Threshold(validationScores, validationLabels)
  const testScores = predictMatrix(model, asMatrix(testCustomers, stats))
  return {
    model,
    stats,
    threshold,
    thresholdMethod: 'maximizes F1 on the validation split (probability >= threshold means willBuy)',
    trainingBaseRate,
    calibration,
    validation: evaluateScores(validationScores, validationLabels, threshold, trainingBaseRate, options.seed),
    test: evaluateScores(testScores, testLabels, threshold, trainingBaseRate, options.seed),
    testPredictions: { scores: testScores, labels: testLabels },
    featureImportance: permutationImportance(model, stats, testCustomers, testLabels, options.seed),
    fieldStatistics: fieldStatistics(trainCustomers),
    inputDistribution: inputDistribution(trainCustomers, { reviewScore: stats.reviewScoreImputation }),
    rows: { train: split.train.length, validation: split.validation.length, test: split.test.length },
    members: fits.map((f) => ({ bestEpoch: f.bestEpoch, epochsRun: f.epochsRun, validationLogLoss: f.bestValidationLoss }))
  }
}
