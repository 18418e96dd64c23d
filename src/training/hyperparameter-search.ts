// `npm run train -- --search`: a small grid over width, L2 and dropout, each configuration cross-fitted on
// the training rows (the test split stays unseen) and ranked by its out-of-fold log loss after Platt
// scaling, the figure the served probabilities are judged by.
import type { CustomerInputs } from '../domain/customer.js'
import { logLoss, rocAuc } from '../evaluation/classifier-metrics.js'
import type { SearchRow, TrainingOptions } from '../artefact/model-card.js'
import { calibrateOutOfFold, crossFit, planCrossFit } from './cross-fit.js'

export type { SearchRow }

/** The values the grid varies (a SearchRow without its figures). */
export interface SearchCandidate {
  readonly hiddenUnits: readonly number[]
  readonly l2: number
  readonly dropout: number
}

function grid (): SearchCandidate[] {
  const candidates: SearchCandidate[] = []
  for (const hiddenUnits of [[16, 8], [32, 16], [64, 64]]) {
    for (const l2 of [0, 1e-4, 1e-3]) {
      for (const dropout of [0, 0.2]) candidates.push({ hiddenUnits, l2, dropout })
    }
  }
  return candidates
}

/** 3 widths x 3 L2 penalties x 2 dropout rates. */
export const SEARCH_GRID: readonly SearchCandidate[] = grid()

export function describeCandidate (c: SearchCandidate): string {
  return `hidden ${c.hiddenUnits.join('-')}, L2 ${c.l2}, dropout ${c.dropout}`
}

/**
 * Cross-fits every candidate with `options` otherwise unchanged and returns the rows best first (lowest
 * out-of-fold log loss; ties keep grid order). `onRow` hears each row as it is done.
 */
export async function searchHyperparameters (
  customers: readonly CustomerInputs[], labels: readonly number[], options: TrainingOptions,
  candidates: readonly SearchCandidate[] = SEARCH_GRID, onRow: (row: SearchRow, done: number) => void = () => {}
): Promise<SearchRow[]> {
  const { folds, stats } = planCrossFit(customers, labels, options)
  const rows: SearchRow[] = []
  for (const candidate of candidates) {
    const started = performance.now()
    const fitted = await crossFit(customers, labels, folds, stats, { ...options, ...candidate })
    for (const member of fitted.members) member.model.dispose()
    const { calibration: platt, outOfFold: calibrated, labels: outOfFoldLabels } = calibrateOutOfFold(fitted, labels, options.calibrate)
    const row: SearchRow = {
      ...candidate,
      logLoss: logLoss(calibrated, outOfFoldLabels),
      rocAuc: rocAuc(calibrated, outOfFoldLabels),
      perFoldLogLoss: fitted.perFold.logLoss,
      plattSlope: platt.slope,
      seconds: (performance.now() - started) / 1000
    }
    rows.push(row)
    onRow(row, rows.length)
  }
  return rows.map((row, i) => ({ row, i })).sort((a, b) => a.row.logLoss - b.row.logLoss || a.i - b.i).map(({ row }) => row)
}

/** The search as a plain-text table, best first. */
export function formatSearchTable (rows: readonly SearchRow[]): string {
  const header = 'rank  hidden  L2      dropout  OOF log loss  OOF ROC AUC  per-fold log loss  Platt slope  seconds'
  const lines = rows.map((r, i) => [
    String(i + 1).padEnd(4),
    r.hiddenUnits.join('-').padEnd(6),
    String(r.l2).padEnd(6),
    String(r.dropout).padEnd(7),
    r.logLoss.toFixed(4).padEnd(12),
    r.rocAuc.toFixed(4).padEnd(11),
    `${r.perFoldLogLoss.mean.toFixed(4)} ± ${r.perFoldLogLoss.std.toFixed(4)}`.padEnd(17),
    r.plattSlope.toFixed(3).padEnd(11),
    r.seconds.toFixed(1)
  ].join('  '))
  return [header, ...lines].join('\n') + '\n'
}

export const SEARCH_RANKING = 'out-of-fold log loss after Platt scaling (none with --no-calibrate), over the cross-fitting folds of the training rows'
