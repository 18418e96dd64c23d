// Cross-fitting: member k trains on every fold but k and early-stops on fold k, so each non-test
// customer is learned from by K-1 members and predicted, out of fold, by the one that never saw it.
// The out-of-fold predictions are what calibration, the threshold and the cross-validated metrics use.
import type { CustomerInputs } from '../domain/customer.js'
import { fitStats, type FeatureStats } from '../domain/features.js'
import { expectedCalibrationError, logLoss, mean, rocAuc } from '../evaluation/classifier-metrics.js'
import type { FitOptions, FoldSpread, TrainingOptions } from '../artefact/model-card.js'
import { applyPlattScaling, fitPlattScaling, type PlattScaling } from './calibrate.js'
import { stratifiedFolds, stratifiedHoldout, type HoldoutIndices } from './split.js'
import { asMatrix, fitWithEarlyStopping, predictMatrix, type EpochReport, type FitResult } from './fit.js'

export interface CrossFitResult {
  /** One fitted member per fold, in fold order. The caller owns (and disposes) the models. */
  readonly members: FitResult[]
  /** Member k's probability for each row of fold k, aligned with `rows` (the rows given, in their order). */
  readonly outOfFold: Float32Array
  readonly rows: readonly number[]
  /** Each member on its own fold, before calibration. */
  readonly perFold: { readonly rocAuc: FoldSpread, readonly logLoss: FoldSpread, readonly expectedCalibrationError: FoldSpread }
}

export function spread (values: readonly number[]): FoldSpread {
  const m = mean(values)
  const variance = values.length > 1 ? values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1) : 0
  return { mean: m, std: Math.sqrt(variance) }
}

export function pick<T> (items: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => items[i] as T)
}

/** Where the rows go: the held-out test split, the folds over the rest, and statistics of the rest. */
export interface CrossFitPlan {
  readonly holdout: HoldoutIndices
  readonly folds: number[][]
  readonly stats: FeatureStats
}

/** The split training and the hyperparameter search share, so the search ranks on the folds training uses. */
export function planCrossFit (customers: readonly CustomerInputs[], labels: readonly number[], options: Pick<TrainingOptions, 'testFraction' | 'folds' | 'seed'>): CrossFitPlan {
  const holdout = stratifiedHoldout(labels, options.testFraction, options.seed)
  return {
    holdout,
    folds: stratifiedFolds(labels, holdout.rest, options.folds, options.seed),
    stats: fitStats(pick(customers, holdout.rest)) // training rows only
  }
}

/** Platt scaling fitted on the out-of-fold predictions (identity without `calibrate`), and those predictions after it. */
export function calibrateOutOfFold (fitted: CrossFitResult, labels: readonly number[], calibrate: boolean): { calibration: PlattScaling, outOfFold: Float32Array, labels: number[] } {
  const outOfFoldLabels = pick(labels, fitted.rows)
  const calibration = calibrate ? fitPlattScaling(fitted.outOfFold, outOfFoldLabels) : { slope: 1, intercept: 0 }
  return { calibration, outOfFold: applyPlattScaling(fitted.outOfFold, calibration), labels: outOfFoldLabels }
}

/**
 * Fits one member per fold. `folds` partition the rows to use (indices into customers/labels); the
 * members are fitted one after another (2 cores: parallel fits would only contend).
 */
export async function crossFit (
  customers: readonly CustomerInputs[], labels: readonly number[], folds: readonly number[][], stats: FeatureStats,
  options: FitOptions, onEpoch?: (report: EpochReport) => void
): Promise<CrossFitResult> {
  const rows = folds.flat()
  const position = new Map(rows.map((row, i) => [row, i]))
  const outOfFold = new Float32Array(rows.length)
  const members: FitResult[] = []
  const figures = { rocAuc: [] as number[], logLoss: [] as number[], ece: [] as number[] }
  try {
    for (let k = 0; k < folds.length; k++) {
      const held = folds[k] as number[]
      const learn = folds.flatMap((fold, j) => (j === k ? [] : fold))
      const heldMatrix = asMatrix(pick(customers, held), stats)
      const heldLabels = pick(labels, held)
      const fit = await fitWithEarlyStopping(asMatrix(pick(customers, learn), stats), pick(labels, learn), heldMatrix, heldLabels, options, k, onEpoch)
      members.push(fit)
      const scores = predictMatrix(fit.model, heldMatrix)
      held.forEach((row, i) => { outOfFold[position.get(row) as number] = scores[i] as number })
      figures.rocAuc.push(rocAuc(scores, heldLabels))
      figures.logLoss.push(logLoss(scores, heldLabels))
      figures.ece.push(expectedCalibrationError(scores, heldLabels, 10))
    }
  } catch (err) {
    for (const m of members) m.model.dispose()
    throw err
  }
  return {
    members,
    outOfFold,
    rows,
    perFold: { rocAuc: spread(figures.rocAuc), logLoss: spread(figures.logLoss), expectedCalibrationError: spread(figures.ece) }
  }
}
