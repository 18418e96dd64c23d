// Which customer fields the model leans on (permutation importance) and which way (rank correlation).
import { CUSTOMER_FIELDS, type CustomerInputs } from '../domain/customer.js'
import type { FeatureStats } from '../domain/features.js'
import { rocAuc } from '../evaluation/classifier-metrics.js'
import { createRandom, shuffleInPlace } from '../domain/seeded-random.js'
import type { FeatureImportance } from '../artefact/model-card.js'
import type { tfl } from '../artefact/tensorflow.js'
import { asMatrix, predictMatrix } from './fit.js'

/** 1-based ranks, ties sharing their mean rank. */
function ranks (values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number))
  const out = new Float64Array(values.length)
  for (let start = 0; start < order.length;) {
    let end = start
    while (end + 1 < order.length && values[order[end + 1] as number] === values[order[start] as number]) end++
    const rank = (start + end) / 2 + 1
    for (let j = start; j <= end; j++) out[order[j] as number] = rank
    start = end + 1
  }
  return out
}

/** Spearman's rank correlation; 0 when either side is constant. */
export function spearman (x: ArrayLike<number>, y: ArrayLike<number>): number {
  const rx = ranks(x)
  const ry = ranks(y)
  const n = rx.length
  const mean = (n + 1) / 2
  let sxy = 0; let sxx = 0; let syy = 0
  for (let i = 0; i < n; i++) {
    const dx = (rx[i] as number) - mean
    const dy = (ry[i] as number) - mean
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy)
}

function fieldValue (c: CustomerInputs, name: keyof CustomerInputs, reviewScoreImputation: number): number {
  const value = c[name]
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value === null || value === undefined) return name === 'reviewScore' ? reviewScoreImputation : 0
  return value
}

/**
 * Per customer field: the mean drop in ROC AUC when the field's values are shuffled across the customers
 * (features recomputed), and the rank correlation of the field with the predicted probability.
 */
export function featureImportance (
  model: tfl.LayersModel, stats: FeatureStats, customers: readonly CustomerInputs[], labels: readonly number[],
  scores: Float32Array, seed: number, repeats = 3
): FeatureImportance[] {
  // `scores`: the model's probabilities for these customers, already computed by the caller.
  const baseline = rocAuc(scores, labels)
  return CUSTOMER_FIELDS.map((field, f) => {
    let drop = 0
    for (let r = 0; r < repeats; r++) {
      const values = shuffleInPlace(customers.map((c) => c[field.name]), createRandom(seed * 7919 + f * 31 + r))
      const permuted = customers.map((c, i) => ({ ...c, [field.name]: values[i] }))
      drop += baseline - rocAuc(predictMatrix(model, asMatrix(permuted, stats)), labels)
    }
    const direction = spearman(customers.map((c) => fieldValue(c, field.name, stats.reviewScoreImputation)), scores)
    return { field: field.name, aucDrop: drop / repeats, direction }
  }).sort((a, b) => b.aucDrop - a.aucDrop)
}
