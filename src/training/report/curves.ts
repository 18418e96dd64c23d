// Pure curve points for the model report: ROC, cumulative gains and per-class score histograms.
// Tied scores form one step (a straight segment), so the ROC area equals the tie-aware ROC AUC.

import { byScoreDescending, checkInputs as checkScoresAndLabels, countPositives } from '../../evaluation/classifier-metrics.js'

type Scores = ArrayLike<number>
type Labels = ArrayLike<number>

export interface RocPoint {
  readonly falsePositiveRate: number
  readonly truePositiveRate: number
}

export interface GainsPoint {
  /** Share of customers contacted, best scores first. */
  readonly contactedShare: number
  /** Share of all buyers among them. */
  readonly capturedShare: number
}

export interface ScoreHistogramBin {
  readonly lower: number
  readonly upper: number
  readonly buyers: number
  readonly nonBuyers: number
  /** buyers / all buyers: the histograms of both classes are comparable whatever the class balance. */
  readonly buyersShare: number
  readonly nonBuyersShare: number
}

function checkInputs (scores: Scores, labels: Labels): { positives: number, negatives: number } {
  checkScoresAndLabels(scores, labels)
  const positives = countPositives(labels)
  return { positives, negatives: labels.length - positives }
}

/**
 * Cumulative positives and negatives after each group of tied scores, best scores first,
 * starting from (0, 0): the common walk behind the ROC and gains curves.
 */
function cumulativeCounts (scores: Scores, labels: Labels): Array<{ positives: number, negatives: number }> {
  const order = byScoreDescending(scores)
  const steps = [{ positives: 0, negatives: 0 }]
  let positives = 0
  let negatives = 0
  let i = 0
  while (i < order.length) {
    const score = scores[order[i] as number] as number
    while (i < order.length && scores[order[i] as number] === score) {
      if (labels[order[i] as number] === 1) positives++
      else negatives++
      i++
    }
    steps.push({ positives, negatives })
  }
  return steps
}

/** ROC curve from (0, 0) to (1, 1): one point per distinct score, as if it were the threshold. */
export function rocPoints (scores: Scores, labels: Labels): RocPoint[] {
  const totals = checkInputs(scores, labels)
  if (totals.positives === 0 || totals.negatives === 0) throw new Error('an ROC curve needs both classes')
  return cumulativeCounts(scores, labels).map((c) => ({
    falsePositiveRate: c.negatives / totals.negatives,
    truePositiveRate: c.positives / totals.positives
  }))
}

/** Cumulative gains from (0, 0) to (1, 1): share of buyers captured when contacting the best-scored customers first. */
export function gainsPoints (scores: Scores, labels: Labels): GainsPoint[] {
  const totals = checkInputs(scores, labels)
  if (totals.positives === 0) throw new Error('a gains curve needs at least one buyer')
  return cumulativeCounts(scores, labels).map((c) => ({
    contactedShare: (c.positives + c.negatives) / scores.length,
    capturedShare: c.positives / totals.positives
  }))
}

/** Trapezoidal area under a curve given as points sorted by x (the ROC AUC for rocPoints). */
export function areaUnderCurve (points: ReadonlyArray<{ readonly x: number, readonly y: number }>): number {
  let area = 0
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as { x: number, y: number }
    const b = points[i] as { x: number, y: number }
    area += (b.x - a.x) * (a.y + b.y) / 2
  }
  return area
}

/** Equal-width histograms of the scores of buyers and non-buyers over [0, 1]; the last bin includes 1. */
export function scoreHistogram (scores: Scores, labels: Labels, binCount = 20): ScoreHistogramBin[] {
  const totals = checkInputs(scores, labels)
  const buyers = new Array<number>(binCount).fill(0)
  const nonBuyers = new Array<number>(binCount).fill(0)
  for (let i = 0; i < scores.length; i++) {
    const bin = Math.min(binCount - 1, Math.max(0, Math.floor((scores[i] as number) * binCount)))
    if (labels[i] === 1) buyers[bin] = (buyers[bin] as number) + 1
    else nonBuyers[bin] = (nonBuyers[bin] as number) + 1
  }
  return buyers.map((b, i) => {
    const n = nonBuyers[i] as number
    return {
      lower: i / binCount,
      upper: (i + 1) / binCount,
      buyers: b,
      nonBuyers: n,
      buyersShare: totals.positives === 0 ? 0 : b / totals.positives,
      nonBuyersShare: totals.negatives === 0 ? 0 : n / totals.negatives
    }
  })
}

/**
 * At most `maxPoints` points, evenly spaced along the list, always keeping the first and last:
 * a test split of thousands of customers draws the same curve with fewer path segments.
 */
export function thinPoints<T> (points: readonly T[], maxPoints: number): T[] {
  if (maxPoints < 2) throw new Error('keep at least 2 points')
  if (points.length <= maxPoints) return [...points]
  return Array.from({ length: maxPoints }, (_, i) => points[Math.round(i * (points.length - 1) / (maxPoints - 1))] as T)
}

export interface EqualCountBin {
  /** Customers in the group (the groups differ by at most one). */
  readonly count: number
  readonly buyers: number
  readonly minScore: number
  readonly maxScore: number
  readonly meanPredicted: number
  readonly observedRate: number
  /** 95% Wilson score interval of the observed rate. */
  readonly observedLower: number
  readonly observedUpper: number
}

/**
 * Wilson score interval for `successes` out of `trials` (z = 1.96: 95%). Unlike the normal
 * approximation it stays inside [0, 1] and is wide, not zero, for 0 or all successes in a small group.
 */
export function wilsonInterval (successes: number, trials: number, z = 1.96): { lower: number, upper: number } {
  if (trials <= 0) return { lower: 0, upper: 1 }
  const p = successes / trials
  const z2 = z * z
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
  const halfWidth = (z / (1 + z2 / trials)) * Math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
  return { lower: Math.max(0, centre - halfWidth), upper: Math.min(1, centre + halfWidth) }
}

/**
 * Calibration in groups of equal size: customers sorted by score (ties by position, so the result is
 * deterministic) and cut into `binCount` consecutive groups, so no point rests on a handful of customers.
 */
export function equalCountCalibration (scores: Scores, labels: Labels, binCount = 10): EqualCountBin[] {
  checkInputs(scores, labels)
  const bins = Math.max(1, Math.min(binCount, scores.length))
  const order = Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => (scores[a] as number) - (scores[b] as number) || a - b)
  return Array.from({ length: bins }, (_, b) => {
    const start = Math.round(b * order.length / bins)
    const end = Math.round((b + 1) * order.length / bins)
    let buyers = 0
    let sum = 0
    for (let i = start; i < end; i++) {
      const row = order[i] as number
      sum += scores[row] as number
      if (labels[row] === 1) buyers++
    }
    const n = end - start
    const interval = wilsonInterval(buyers, n)
    return {
      count: n,
      buyers,
      minScore: scores[order[start] as number] as number,
      maxScore: scores[order[end - 1] as number] as number,
      meanPredicted: sum / n,
      observedRate: buyers / n,
      observedLower: interval.lower,
      observedUpper: interval.upper
    }
  })
}
