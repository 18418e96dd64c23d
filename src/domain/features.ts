// Pure preprocessing shared by training and serving: customer -> model input numbers.
// No tensors, no I/O. The artefact stores FEATURE_NAMES, the statistics and PREPROCESSING_HASH,
// and loading refuses an artefact whose hash differs, so serving cannot drift from training.
import { createHash } from 'node:crypto'
import { CUSTOMER_FIELDS, type CustomerFieldName, type CustomerInputs } from './customer.js'

/** Standardization statistics fitted on the training split only. */
export interface FeatureStats {
  readonly featureNames: readonly string[]
  readonly means: readonly number[]
  readonly stds: readonly number[]
  /**
   * Range of each unscaled feature in the training split. Serving clips to it: the network cannot
   * know what happens beyond the data, and extrapolating turns a typo (priceTotal 300 where the
   * data stops at 104) into a confident 0.99.
   */
  readonly mins: readonly number[]
  readonly maxs: readonly number[]
  /** Value used for a missing review score: see reviewScoreImputationOf. */
  readonly reviewScoreImputation: number
}

// Heavy-tailed money and minute amounts are log-scaled so a few large customers do not dominate
// the standardized scale. Every field must be listed: the compiler enforces it.
const FIELD_TRANSFORM_TEXT: Record<CustomerFieldName, string> = {
  bookLengthAvgMinutes: 'log',
  bookLengthTotalMinutes: 'log',
  priceAvg: 'log1p',
  priceTotal: 'log1p',
  reviewed: '1 if true else 0',
  reviewScore: 'as given; missing -> the score the training data gives non-reviewers',
  completion: 'as given',
  minutesListened: 'log1p',
  supportRequests: 'log1p',
  lastVisitDaysAfterPurchase: 'as given'
}

const DERIVED_FEATURES = [
  { name: 'booksBought', description: 'log of the number of books bought (total length / average length, from 1 to 1e6)' },
  { name: 'listenedAtAll', description: '1 if the customer listened to any minute, else 0' },
  { name: 'cameBack', description: '1 if the customer visited the app after the purchase day, else 0' }
] as const

const FEATURES: ReadonlyArray<{ readonly name: string, readonly description: string }> = [
  ...CUSTOMER_FIELDS.map((field) => ({ name: field.name, description: `${field.name}: ${FIELD_TRANSFORM_TEXT[field.name]}` })),
  ...DERIVED_FEATURES
]

/** Model input order: the customer fields in CUSTOMER_FIELDS order, then the derived features. */
export const FEATURE_NAMES: readonly string[] = FEATURES.map((f) => f.name)
export const FEATURE_COUNT = FEATURES.length

/** Cap of total / average book length: far above any real customer (the data's maximum is 7). */
const MAX_BOOKS_RATIO = 1e6

/** The field order writeRawFeatures is written for; checked against CUSTOMER_FIELDS when this module loads. */
const WRITTEN_FIELD_ORDER: readonly CustomerFieldName[] = [
  'bookLengthAvgMinutes', 'bookLengthTotalMinutes', 'priceAvg', 'priceTotal', 'reviewed',
  'reviewScore', 'completion', 'minutesListened', 'supportRequests', 'lastVisitDaysAfterPurchase'
]
if (WRITTEN_FIELD_ORDER.join(',') !== CUSTOMER_FIELDS.map((f) => f.name).join(',')) {
  throw new Error('features.ts: writeRawFeatures no longer matches the CUSTOMER_FIELDS order; update both together')
}

/**
 * Writes one customer's unscaled features at out[offset..] in FEATURE_NAMES order. One straight-line
 * function rather than a table of closures: it is on the scoring hot path, and this form is ~3x faster.
 */
function writeRawFeatures (c: CustomerInputs, reviewScoreImputation: number, out: Float64Array | number[], offset: number): void {
  const avg = c.bookLengthAvgMinutes
  const total = c.bookLengthTotalMinutes
  const minutes = c.minutesListened
  const lastVisit = c.lastVisitDaysAfterPurchase
  out[offset] = Math.log(avg)
  out[offset + 1] = Math.log(total)
  out[offset + 2] = Math.log1p(c.priceAvg)
  out[offset + 3] = Math.log1p(c.priceTotal)
  out[offset + 4] = c.reviewed ? 1 : 0
  out[offset + 5] = c.reviewScore ?? reviewScoreImputation
  out[offset + 6] = c.completion
  out[offset + 7] = Math.log1p(minutes)
  out[offset + 8] = Math.log1p(c.supportRequests)
  out[offset + 9] = lastVisit
  // booksBought, capped: a tiny valid average (5e-324) would make the ratio overflow to Infinity.
  out[offset + 10] = Math.log(Math.min(MAX_BOOKS_RATIO, Math.max(1, total / avg)))
  out[offset + 11] = minutes > 0 ? 1 : 0 // listenedAtAll
  out[offset + 12] = lastVisit > 0 ? 1 : 0 // cameBack
}

/** How each input is computed, for the model card. */
export const FEATURE_DESCRIPTIONS: Readonly<Record<string, string>> =
  Object.fromEntries(FEATURES.map((f) => [f.name, f.description]))

/**
 * Identifies this preprocessing code's contract: field table, feature order and transforms.
 * Bump PREPROCESSING_REVISION whenever a transform's arithmetic changes without its name changing.
 */
const PREPROCESSING_REVISION = 3
export const PREPROCESSING_HASH: string = createHash('sha256')
  .update(JSON.stringify({
    revision: PREPROCESSING_REVISION,
    fields: CUSTOMER_FIELDS.map((f) => [f.name, f.type, f.kaggleColumn]),
    features: FEATURES.map((f) => [f.name, f.description])
  }))
  .digest('hex')

/** Unscaled feature values of one customer, in FEATURE_NAMES order. */
export function rawFeatures (customer: CustomerInputs, reviewScoreImputation: number): number[] {
  const values = new Array<number>(FEATURE_COUNT)
  writeRawFeatures(customer, reviewScoreImputation, values, 0)
  return values
}

/**
 * The review score used when none is given, "as in training": the source data fills non-reviewers
 * with one constant (the mean score, 8.91 in the Kaggle file), so this is the most frequent score
 * among non-reviewers of the training split. Without non-reviewers: the mean score of reviewers.
 */
export function reviewScoreImputationOf (customers: readonly CustomerInputs[]): number {
  const counts = new Map<number, number>()
  let sum = 0
  let reviewers = 0
  for (const c of customers) {
    const score = c.reviewScore
    if (score === null || score === undefined) continue
    if (c.reviewed) {
      sum += score
      reviewers++
    } else {
      counts.set(score, (counts.get(score) ?? 0) + 1)
    }
  }
  let best: { score: number, count: number } | null = null
  for (const [score, count] of counts) {
    if (best === null || count > best.count || (count === best.count && score < best.score)) best = { score, count }
  }
  if (best !== null) return best.score
  if (reviewers === 0) throw new Error('cannot impute reviewScore: no customer in the training data has a score')
  return sum / reviewers
}

/** Fits standardization statistics on training customers. A constant feature gets std 1. */
export function fitStats (customers: readonly CustomerInputs[]): FeatureStats {
  if (customers.length === 0) throw new Error('cannot fit feature statistics on zero customers')
  const reviewScoreImputation = reviewScoreImputationOf(customers)
  const rows = customers.map((c) => rawFeatures(c, reviewScoreImputation))
  const n = rows.length
  const means = FEATURE_NAMES.map((_, j) => rows.reduce((sum, row) => sum + (row[j] as number), 0) / n)
  // Two passes (mean, then squared deviations): E[x^2] - mean^2 leaves rounding noise for constants.
  const stds = means.map((mean, j) => {
    const variance = rows.reduce((sum, row) => sum + ((row[j] as number) - mean) ** 2, 0) / n
    const std = Math.sqrt(variance)
    return std > 1e-9 * Math.max(1, Math.abs(mean)) ? std : 1
  })
  const mins = FEATURE_NAMES.map((_, j) => rows.reduce((m, row) => Math.min(m, row[j] as number), Number.POSITIVE_INFINITY))
  const maxs = FEATURE_NAMES.map((_, j) => rows.reduce((m, row) => Math.max(m, row[j] as number), Number.NEGATIVE_INFINITY))
  return { featureNames: [...FEATURE_NAMES], means, stds, mins, maxs, reviewScoreImputation }
}

/** Scratch space for one customer's unscaled values (float64, so standardizing rounds once). */
const scratch = new Float64Array(FEATURE_COUNT)

/** Writes one customer's standardized features into `out` at `offset` (hot path: no allocation). */
export function writeFeatures (customer: CustomerInputs, stats: FeatureStats, out: Float32Array, offset: number): void {
  writeRawFeatures(customer, stats.reviewScoreImputation, scratch, 0)
  const { means, stds, mins, maxs } = stats
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const clipped = Math.min(maxs[j] as number, Math.max(mins[j] as number, scratch[j] as number))
    out[offset + j] = (clipped - (means[j] as number)) / (stds[j] as number)
  }
}

/** Standardized feature vector of one customer, in FEATURE_NAMES order. */
export function toVector (customer: CustomerInputs, stats: FeatureStats): Float32Array {
  const out = new Float32Array(FEATURE_COUNT)
  writeFeatures(customer, stats, out, 0)
  return out
}

/** Row-major matrix of standardized features for many customers. */
export function toMatrix (customers: readonly CustomerInputs[], stats: FeatureStats): Float32Array {
  const out = new Float32Array(customers.length * FEATURE_COUNT)
  customers.forEach((c, i) => writeFeatures(c, stats, out, i * FEATURE_COUNT))
  return out
}

/** Throws unless stats were fitted for exactly this feature order. */
export function assertStatsMatch (stats: FeatureStats): void {
  const expected = FEATURE_NAMES.join(',')
  const actual = stats.featureNames.join(',')
  if (expected !== actual) throw new Error(`feature order mismatch: artefact has [${actual}], code expects [${expected}]`)
  for (const key of ['means', 'stds', 'mins', 'maxs'] as const) {
    if (!Array.isArray(stats[key]) || stats[key].length !== FEATURE_COUNT) throw new Error(`statistics have no ${FEATURE_COUNT} ${key}`)
  }
  if (stats.mins.some((min, j) => min > (stats.maxs[j] as number))) throw new Error('statistics have a minimum above its maximum')
  if (![...stats.means, ...stats.stds, ...stats.mins, ...stats.maxs, stats.reviewScoreImputation].every(Number.isFinite)) {
    throw new Error('statistics contain a non-finite number')
  }
  if (stats.stds.some((s) => s <= 0)) throw new Error('statistics contain a non-positive standard deviation')
}
