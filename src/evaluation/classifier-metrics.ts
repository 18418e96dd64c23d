// Evaluation metrics for probabilistic binary classifiers. Pure functions over plain arrays, in their own
// layer so that training (which computes the card's figures) and the models CLI (which scores a labelled
// file to compare versions before a promotion) share them without serving code reaching training/.
import type { CalibrationBin, ThresholdMetrics } from '../artefact/model-card.js'

type Scores = ArrayLike<number>
type Labels = ArrayLike<number>

/** Throws unless scores and labels are non-empty and of the same length. */
export function checkInputs (scores: Scores, labels: Labels): void {
  if (scores.length !== labels.length) throw new Error(`scores (${scores.length}) and labels (${labels.length}) differ in length`)
  if (scores.length === 0) throw new Error('cannot evaluate zero examples')
}

export function countPositives (labels: Labels): number {
  let positives = 0
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0
  return positives
}

/** Indices sorted by descending score. */
export function byScoreDescending (scores: Scores): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number))
}

/** ROC AUC = P(score of a random positive > score of a random negative), ties counted one half. */
export function rocAuc (scores: Scores, labels: Labels): number {
  checkInputs(scores, labels)
  const positives = countPositives(labels)
  const negatives = labels.length - positives
  if (positives === 0 || negatives === 0) throw new Error('ROC AUC needs both classes')
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number))
  // Mann-Whitney U with average ranks for ties.
  let rankSumPositives = 0
  let i = 0
  while (i < order.length) {
    let j = i
    while (j + 1 < order.length && scores[order[j + 1] as number] === scores[order[i] as number]) j++
    const averageRank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) if (labels[order[k] as number] === 1) rankSumPositives += averageRank
    i = j + 1
  }
  return (rankSumPositives - positives * (positives + 1) / 2) / (positives * negatives)
}

/** Average precision (area under the precision-recall curve, step-wise; tied scores form one step). */
export function prAuc (scores: Scores, labels: Labels): number {
  checkInputs(scores, labels)
  const positives = countPositives(labels)
  if (positives === 0) throw new Error('PR AUC needs at least one positive')
  const order = byScoreDescending(scores)
  let truePositives = 0
  let seen = 0
  let area = 0
  let i = 0
  while (i < order.length) {
    let j = i
    let newPositives = 0
    while (j < order.length && scores[order[j] as number] === scores[order[i] as number]) {
      newPositives += labels[order[j] as number] === 1 ? 1 : 0
      j++
    }
    truePositives += newPositives
    seen = j
    area += (newPositives / positives) * (truePositives / seen)
    i = j
  }
  return area
}

const EPSILON = 1e-7

export function logLoss (scores: Scores, labels: Labels): number {
  checkInputs(scores, labels)
  let sum = 0
  for (let i = 0; i < scores.length; i++) {
    const p = Math.min(1 - EPSILON, Math.max(EPSILON, scores[i] as number))
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p)
  }
  return sum / scores.length
}

export function brierScore (scores: Scores, labels: Labels): number {
  checkInputs(scores, labels)
  let sum = 0
  for (let i = 0; i < scores.length; i++) sum += ((scores[i] as number) - (labels[i] as number)) ** 2
  return sum / scores.length
}

/** Equal-width reliability bins over [0, 1]; the last bin includes 1. Empty bins report count 0. */
export function calibrationBins (scores: Scores, labels: Labels, binCount = 10): CalibrationBin[] {
  checkInputs(scores, labels)
  const counts = new Array<number>(binCount).fill(0)
  const predicted = new Array<number>(binCount).fill(0)
  const observed = new Array<number>(binCount).fill(0)
  for (let i = 0; i < scores.length; i++) {
    const p = scores[i] as number
    const bin = Math.min(binCount - 1, Math.floor(p * binCount))
    counts[bin] = (counts[bin] as number) + 1
    predicted[bin] = (predicted[bin] as number) + p
    observed[bin] = (observed[bin] as number) + (labels[i] as number)
  }
  return counts.map((count, b) => ({
    lower: b / binCount,
    upper: (b + 1) / binCount,
    count,
    meanPredicted: count === 0 ? 0 : (predicted[b] as number) / count,
    observedRate: count === 0 ? 0 : (observed[b] as number) / count
  }))
}

/** Expected calibration error: count-weighted mean |mean predicted - observed rate| over equal-width bins. */
export function expectedCalibrationError (scores: Scores, labels: Labels, binCount = 10): number {
  const bins = calibrationBins(scores, labels, binCount)
  return bins.reduce((sum, b) => sum + b.count * Math.abs(b.meanPredicted - b.observedRate), 0) / scores.length
}

/** Classification metrics when predicting "buys" for score >= threshold. */
export function metricsAtThreshold (scores: Scores, labels: Labels, threshold: number): ThresholdMetrics {
  checkInputs(scores, labels)
  let tp = 0
  let fp = 0
  let tn = 0
  let fn = 0
  for (let i = 0; i < scores.length; i++) {
    const predicted = (scores[i] as number) >= threshold
    const actual = labels[i] === 1
    if (predicted && actual) tp++
    else if (predicted) fp++
    else if (actual) fn++
    else tn++
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp)
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn)
  const f1 = precision + recall === 0 ? 0 : 2 * precision * recall / (precision + recall)
  return {
    threshold,
    accuracy: (tp + tn) / scores.length,
    precision,
    recall,
    f1,
    confusion: { truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn }
  }
}

/** Share of all positives found among the top `fraction` of customers by score (ceil of the count). */
export function captureAtTop (scores: Scores, labels: Labels, fraction: number): number {
  checkInputs(scores, labels)
  const positives = countPositives(labels)
  if (positives === 0) throw new Error('capture needs at least one positive')
  const take = Math.ceil(scores.length * fraction)
  const order = byScoreDescending(scores)
  let found = 0
  for (let k = 0; k < take; k++) found += labels[order[k] as number] === 1 ? 1 : 0
  return found / positives
}

/**
 * The threshold that maximizes F1 among the distinct scores (predict "buys" for score >= threshold).
 * Ties in F1 keep the higher threshold, which contacts fewer customers.
 */
export function bestF1Threshold (scores: Scores, labels: Labels): { threshold: number, f1: number } {
  checkInputs(scores, labels)
  const positives = countPositives(labels)
  if (positives === 0) throw new Error('choosing a threshold needs at least one positive')
  const order = byScoreDescending(scores)
  let best = { threshold: 1, f1: 0 }
  let tp = 0
  let i = 0
  while (i < order.length) {
    const score = scores[order[i] as number] as number
    while (i < order.length && scores[order[i] as number] === score) {
      tp += labels[order[i] as number] === 1 ? 1 : 0
      i++
    }
    const precision = tp / i
    const recall = tp / positives
    const f1 = precision + recall === 0 ? 0 : 2 * precision * recall / (precision + recall)
    if (f1 > best.f1) best = { threshold: score, f1 }
  }
  return best
}

export function mean (values: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i] as number
  return sum / values.length
}
