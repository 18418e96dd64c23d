// The check before a promotion: the candidate and the current model scored on the same labelled
// customers, and the rule that refuses a candidate that is worse. Pure: the models CLI does the scoring.
import { captureAtTop, countPositives, expectedCalibrationError, logLoss, mean, rocAuc } from './classifier-metrics.js'

/** How much worse (higher) the candidate's log loss may be than the current model's on the same file. */
export const DEFAULT_LOG_LOSS_TOLERANCE = 0.005
/**
 * Highest calibration error a candidate may have: marketing sums the probabilities into expected
 * buyers, so a model whose probabilities are off by more than 5 points on average is refused even
 * when it ranks customers well.
 */
export const MAX_CALIBRATION_ERROR = 0.05

/** One model's figures on a labelled file. */
export interface LabelledFileMetrics {
  readonly rows: number
  /** Share of buyers in the file: what the mean probability should be. */
  readonly baseRate: number
  readonly meanProbability: number
  readonly rocAuc: number
  readonly logLoss: number
  /** Expected calibration error over 10 equal-width bins, as on the model card. */
  readonly calibrationError: number
  /** Share of the file's buyers among its 20% highest-scored customers. */
  readonly captureTop20: number
}

export interface GateRule {
  readonly logLossTolerance: number
  readonly maxCalibrationError: number
}

/** Whether the labels hold both buyers and non-buyers: ROC AUC and capture need both. */
export function hasBothClasses (labels: ArrayLike<number>): boolean {
  const positives = countPositives(labels)
  return positives > 0 && positives < labels.length
}

/** A model's figures on labelled customers; throws unless both classes are present. */
export function labelledFileMetrics (scores: ArrayLike<number>, labels: ArrayLike<number>): LabelledFileMetrics {
  return {
    rows: labels.length,
    baseRate: mean(labels),
    meanProbability: mean(scores),
    rocAuc: rocAuc(scores, labels),
    logLoss: logLoss(scores, labels),
    calibrationError: expectedCalibrationError(scores, labels, 10),
    captureTop20: captureAtTop(scores, labels, 0.2)
  }
}

/**
 * Why `candidate` must not replace `current` (empty: it may): its log loss is higher than the current
 * model's by more than the tolerance, or its calibration error is above the limit. With no current
 * model to compare with (`null`), only the calibration limit applies.
 */
export function promotionRefusals (candidate: LabelledFileMetrics, current: LabelledFileMetrics | null, rule: GateRule): string[] {
  const refusals: string[] = []
  if (current !== null && candidate.logLoss - current.logLoss > rule.logLossTolerance) {
    refusals.push(`log loss ${candidate.logLoss.toFixed(4)} is worse than the current model's ${current.logLoss.toFixed(4)} by ${(candidate.logLoss - current.logLoss).toFixed(4)}, more than the tolerance ${rule.logLossTolerance}`)
  }
  if (candidate.calibrationError > rule.maxCalibrationError) {
    refusals.push(`calibration error ${candidate.calibrationError.toFixed(4)} is above ${rule.maxCalibrationError}`)
  }
  return refusals
}
