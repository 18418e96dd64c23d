// The end-of-training summary: what a person reads in ten seconds.
import type { TrainingResult } from './pipeline.js'

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`

export function formatSummary (result: TrainingResult, where: { dir: string, promoted: boolean, seconds: number }): string {
  const t = result.test
  const cv = result.crossValidation
  const f = cv.perFold
  const top = result.featureImportance.slice(0, 5).map((f) => `${f.field} (${f.aucDrop >= 0 ? '-' : '+'}${Math.abs(f.aucDrop).toFixed(3)} AUC)`).join(', ')
  return [
    '',
    `Model written to ${where.dir}${where.promoted ? ' (now the default: CURRENT)' : ''} in ${where.seconds.toFixed(1)} s`,
    `Test split (${t.rows} customers, ${pct(t.baseRate)} buyers):`,
    `  ROC AUC ${t.rocAuc.toFixed(4)}   PR AUC ${t.prAuc.toFixed(4)}   log loss ${t.logLoss.toFixed(4)}   Brier ${t.brierScore.toFixed(4)}`,
    `  calibration error ${t.expectedCalibrationError.toFixed(4)}   mean probability ${t.meanProbability.toFixed(4)} vs base rate ${t.baseRate.toFixed(4)}`,
    `  buyers captured in top 10% ${pct(t.captureTop10)}, top 20% ${pct(t.captureTop20)}`,
    `  at threshold ${result.threshold.toFixed(3)}: precision ${pct(t.atThreshold.precision)}, recall ${pct(t.atThreshold.recall)}, F1 ${t.atThreshold.f1.toFixed(3)}, accuracy ${pct(t.atThreshold.accuracy)}`,
    `  accuracy on a class-balanced sample ${pct(t.balancedSampleAccuracy)}`,
    `Cross-validation (${cv.folds} folds, ${cv.outOfFold.rows} training customers scored out of fold):`,
    `  pooled ROC AUC ${cv.outOfFold.rocAuc.toFixed(4)}   log loss ${cv.outOfFold.logLoss.toFixed(4)}   calibration error ${cv.outOfFold.expectedCalibrationError.toFixed(4)}`,
    `  per fold, before calibration: ROC AUC ${f.rocAuc.mean.toFixed(4)} ± ${f.rocAuc.std.toFixed(4)}   log loss ${f.logLoss.mean.toFixed(4)} ± ${f.logLoss.std.toFixed(4)}`,
    `Top features: ${top}`,
    ''
  ].join('\n')
}
