// Every figure the card reports for one set of probabilities and labels (test split, out-of-fold rows).
import { createRandom, shuffleInPlace } from '../domain/seeded-random.js'
import type { EvaluationMetrics } from '../artefact/model-card.js'
import {
  brierScore, calibrationBins, captureAtTop, expectedCalibrationError, logLoss, mean, metricsAtThreshold, prAuc, rocAuc
} from './classifier-metrics.js'

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
