// Pure preprocessing: hand-computed raw features, statistics on a tiny set, standardization, order checks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CUSTOMER_FIELDS, exampleCustomer, type CustomerInputs } from '../src/domain/customer.js'
import {
  FEATURE_COUNT, FEATURE_NAMES, PREPROCESSING_HASH, assertStatsMatch, fitStats, rawFeatures,
  reviewScoreImputationOf, toMatrix, toVector, type FeatureStats
} from '../src/domain/features.js'
import { TWO_BOOK_CUSTOMER } from './helpers/fixtures.js'

const LN2 = Math.LN2
const SQRT_1_5 = Math.sqrt(1.5)

// One customer: average book 1620 min, two books (3240 min), $9.50 each ($19), reviewed 9/10.
const CUSTOMER: CustomerInputs = TWO_BOOK_CUSTOMER

// A tiny training set built so every statistic is a round expression of ln 2 (see each comment).
const TINY: CustomerInputs[] = [
  { bookLengthAvgMinutes: 100, bookLengthTotalMinutes: 100, priceAvg: 0, priceTotal: 0, reviewed: true, reviewScore: 9, completion: 0.2, minutesListened: 0, supportRequests: 0, lastVisitDaysAfterPurchase: 0 },
  { bookLengthAvgMinutes: 200, bookLengthTotalMinutes: 400, priceAvg: 1, priceTotal: 3, reviewed: true, reviewScore: 5, completion: 0.5, minutesListened: 1, supportRequests: 0, lastVisitDaysAfterPurchase: 10 },
  { bookLengthAvgMinutes: 400, bookLengthTotalMinutes: 1600, priceAvg: 3, priceTotal: 15, reviewed: false, reviewScore: null, completion: 0.8, minutesListened: 3, supportRequests: 0, lastVisitDaysAfterPurchase: 20 }
]

function assertClose (actual: ArrayLike<number>, expected: readonly number[], tolerance: number, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`)
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number
    const e = expected[i] as number
    assert.ok(Math.abs(a - e) <= tolerance, `${what}[${i}] (${FEATURE_NAMES[i] ?? i}): expected ${e}, got ${a}`)
  }
}

function identityStats (imputation: number): FeatureStats {
  return {
    featureNames: [...FEATURE_NAMES],
    means: new Array<number>(FEATURE_COUNT).fill(0),
    stds: new Array<number>(FEATURE_COUNT).fill(1),
    mins: new Array<number>(FEATURE_COUNT).fill(-Infinity),
    maxs: new Array<number>(FEATURE_COUNT).fill(Infinity),
    reviewScoreImputation: imputation
  }
}

test('FEATURE_NAMES - order - the ten customer fields, then booksBought, listenedAtAll, cameBack', () => {
  assert.deepEqual(FEATURE_NAMES, [...CUSTOMER_FIELDS.map((f) => f.name), 'booksBought', 'listenedAtAll', 'cameBack'])
  assert.equal(FEATURE_COUNT, 13)
})

test('PREPROCESSING_HASH - format - a SHA-256 hex digest', () => {
  assert.match(PREPROCESSING_HASH, /^[0-9a-f]{64}$/)
})

test('rawFeatures - one customer - hand-computed transforms', () => {
  const expected = [
    Math.log(1620), // log
    Math.log(3240), // log
    Math.log(10.5), // log1p(9.5)
    Math.log(20), // log1p(19)
    1, // reviewed
    9, // score as given
    0.45,
    Math.log(1459), // log1p(1458)
    LN2, // log1p(1 support request)
    45,
    LN2, // booksBought: log(3240 / 1620)
    1, // listened at all
    1 // came back
  ]
  assertClose(rawFeatures(CUSTOMER, 7), expected, 1e-12)
  // The same numbers written out, so a wrong log base or log/log1p swap cannot hide behind Math.
  assertClose(rawFeatures(CUSTOMER, 7).slice(0, 4), [7.390181, 8.083329, 2.351375, 2.995732], 1e-6)
})

test('rawFeatures - review score null or omitted - the imputation value', () => {
  const reviewScoreIndex = FEATURE_NAMES.indexOf('reviewScore')
  assert.equal(rawFeatures({ ...CUSTOMER, reviewScore: null }, 8.25)[reviewScoreIndex], 8.25)
  const { reviewScore: _omitted, ...withoutScore } = CUSTOMER
  assert.equal(rawFeatures(withoutScore, 6.5)[reviewScoreIndex], 6.5)
  assert.equal(rawFeatures({ ...CUSTOMER, reviewed: false, reviewScore: 3 }, 6.5)[reviewScoreIndex], 3)
})

test('rawFeatures - no listening, no return visit, one book - derived flags 0 and booksBought 0', () => {
  const quiet = { ...CUSTOMER, bookLengthTotalMinutes: 1620, minutesListened: 0, completion: 0, lastVisitDaysAfterPurchase: 0 }
  const values = rawFeatures(quiet, 7)
  assert.equal(values[FEATURE_NAMES.indexOf('booksBought')], 0)
  assert.equal(values[FEATURE_NAMES.indexOf('listenedAtAll')], 0)
  assert.equal(values[FEATURE_NAMES.indexOf('cameBack')], 0)
  assert.equal(values[FEATURE_NAMES.indexOf('minutesListened')], 0)
})

test('rawFeatures - total shorter than average (inconsistent row) - booksBought floored at log 1', () => {
  const values = rawFeatures({ ...CUSTOMER, bookLengthTotalMinutes: 800 }, 7)
  assert.equal(values[FEATURE_NAMES.indexOf('booksBought')], 0)
})

test('rawFeatures and toVector - same input twice - same output, input not mutated', () => {
  const customer = Object.freeze({ ...CUSTOMER, reviewScore: null })
  const stats = fitStats(TINY)
  const frozenStats = Object.freeze({ ...stats, means: Object.freeze([...stats.means]), stds: Object.freeze([...stats.stds]) })
  const before = structuredClone(customer)
  assert.deepEqual(rawFeatures(customer, 7), rawFeatures(customer, 7))
  assert.deepEqual(toVector(customer, frozenStats), toVector(customer, frozenStats))
  assert.deepEqual(customer, before)
  assert.deepEqual(frozenStats, stats)
})

test('reviewScoreImputationOf - no non-reviewer with a score - mean score of reviewers', () => {
  assert.equal(reviewScoreImputationOf(TINY), 7) // (9 + 5) / 2; the non-reviewer has no score
})

test('reviewScoreImputationOf - non-reviewers carrying a filled-in score - the most frequent such score', () => {
  // The Kaggle file fills non-reviewers with one constant (8.91): that constant, not the reviewers' mean.
  const nonReviewer = (score: number): CustomerInputs => ({ ...CUSTOMER, reviewed: false, reviewScore: score })
  assert.equal(reviewScoreImputationOf([...TINY, nonReviewer(8.91), nonReviewer(8.91), nonReviewer(6)]), 8.91)
  // A tie keeps the lower score.
  assert.equal(reviewScoreImputationOf([...TINY, nonReviewer(8), nonReviewer(6)]), 6)
})

test('reviewScoreImputationOf - nobody has a score - throws', () => {
  assert.throws(() => reviewScoreImputationOf([{ ...CUSTOMER, reviewed: false, reviewScore: null }]), /cannot impute reviewScore/)
})

test('fitStats - tiny hand-made set - hand-computed means and population standard deviations', () => {
  const stats = fitStats(TINY)
  const r = Math.sqrt(2 / 3) // std of {0, 1, 2}
  const flag = Math.sqrt(2 / 9) // std of {0, 1, 1}
  // Per feature: the three raw values, then mean and std.
  const expectedMeans = [
    Math.log(100) + LN2, // ln100 + {0, ln2, 2ln2}
    Math.log(100) + 2 * LN2, // ln100 + {0, 2ln2, 4ln2}
    LN2, // log1p {0, 1, 3} = {0, ln2, 2ln2}
    2 * LN2, // log1p {0, 3, 15} = {0, 2ln2, 4ln2}
    2 / 3, // reviewed {1, 1, 0}
    7, // score {9, 5, imputed 7}
    0.5, // completion {0.2, 0.5, 0.8}
    LN2, // log1p {0, 1, 3}
    0, // support requests all 0
    10, // last visit {0, 10, 20}
    LN2, // booksBought log {1, 2, 4}
    2 / 3, // listenedAtAll {0, 1, 1}
    2 / 3 // cameBack {0, 1, 1}
  ]
  const expectedStds = [
    LN2 * r, 2 * LN2 * r, LN2 * r, 2 * LN2 * r, flag, Math.sqrt(8 / 3), Math.sqrt(0.06), LN2 * r,
    1, // constant feature
    Math.sqrt(200 / 3), LN2 * r, flag, flag
  ]
  assert.deepEqual(stats.featureNames, FEATURE_NAMES)
  assert.equal(stats.reviewScoreImputation, 7)
  assertClose(stats.means, expectedMeans, 1e-12, 'means')
  assertClose(stats.stds, expectedStds, 1e-12, 'stds')
  assert.equal(stats.stds[FEATURE_NAMES.indexOf('supportRequests')], 1)
})

test('toVector - first tiny customer with the tiny stats - hand-computed standardized values', () => {
  const s = SQRT_1_5
  // Each non-constant feature of customer 1 sits at the low end of {low, mid, high}: -1 / sqrt(2/3) = -sqrt(1.5).
  const expected = [-s, -s, -s, -s, 1 / Math.SQRT2, s, -s, -s, 0, -s, -s, -Math.SQRT2, -Math.SQRT2]
  const vector = toVector(TINY[0] as CustomerInputs, fitStats(TINY))
  assert.ok(vector instanceof Float32Array)
  assertClose(vector, expected, 1e-6)
})

test('toVector - zero means and unit stds - equals the raw features', () => {
  assertClose(toVector(CUSTOMER, identityStats(7)), rawFeatures(CUSTOMER, 7), 1e-5)
})

test('toMatrix - training customers - row-major toVector rows, each column mean 0 and std 1', () => {
  const stats = fitStats(TINY)
  const matrix = toMatrix(TINY, stats)
  assert.equal(matrix.length, TINY.length * FEATURE_COUNT)
  TINY.forEach((c, i) => {
    assert.deepEqual(matrix.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), toVector(c, stats))
  })
  for (let j = 0; j < FEATURE_COUNT; j++) {
    if (FEATURE_NAMES[j] === 'supportRequests') continue // constant: all zeros
    const column = TINY.map((_, i) => matrix[i * FEATURE_COUNT + j] as number)
    const mean = column.reduce((a, b) => a + b, 0) / column.length
    const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length
    assert.ok(Math.abs(mean) < 1e-6, `${FEATURE_NAMES[j]} mean ${mean}`)
    assert.ok(Math.abs(variance - 1) < 1e-5, `${FEATURE_NAMES[j]} variance ${variance}`)
  }
})

test('fitStats - zero customers - throws', () => {
  assert.throws(() => fitStats([]), /zero customers/)
})

test('fitStats - identical customers (log-scaled constants) - every std is 1', () => {
  for (let n = 1; n <= 12; n++) {
    const stats = fitStats(Array.from({ length: n }, () => exampleCustomer()))
    stats.stds.forEach((std, j) => assert.equal(std, 1, `n=${n} ${FEATURE_NAMES[j]}: std ${std}`))
  }
})

test('assertStatsMatch - fitted stats - accepted', () => {
  assert.doesNotThrow(() => assertStatsMatch(fitStats(TINY)))
})

test('assertStatsMatch - two features swapped - rejects naming the order', () => {
  const stats = fitStats(TINY)
  const names = [...stats.featureNames]
  ;[names[0], names[1]] = [names[1] as string, names[0] as string]
  assert.throws(() => assertStatsMatch({ ...stats, featureNames: names }), /feature order mismatch/)
  assert.throws(() => assertStatsMatch({ ...stats, featureNames: stats.featureNames.slice(0, -1) }), /feature order mismatch/)
})

test('assertStatsMatch - bad numbers - rejects wrong lengths, non-finite values and zero stds', () => {
  const stats = fitStats(TINY)
  assert.throws(() => assertStatsMatch({ ...stats, means: stats.means.slice(1) }), /no 13 means/)
  assert.throws(() => assertStatsMatch({ ...stats, maxs: stats.maxs.slice(1) }), /no 13 maxs/)
  assert.throws(() => assertStatsMatch({ ...stats, mins: stats.maxs.map((m) => m + 1) }), /minimum above its maximum/)
  assert.throws(() => assertStatsMatch({ ...stats, means: [Number.NaN, ...stats.means.slice(1)] }), /non-finite/)
  assert.throws(() => assertStatsMatch({ ...stats, reviewScoreImputation: Number.POSITIVE_INFINITY }), /non-finite/)
  assert.throws(() => assertStatsMatch({ ...stats, stds: [0, ...stats.stds.slice(1)] }), /non-positive standard deviation/)
})

test('writeFeatures - values outside the training range - clipped to the fitted min and max before scaling', () => {
  const customers = [exampleCustomer(), { ...exampleCustomer(), priceTotal: 30, lastVisitDaysAfterPurchase: 100 }]
  const stats = fitStats(customers)
  const j = FEATURE_NAMES.indexOf('priceTotal')
  const k = FEATURE_NAMES.indexOf('lastVisitDaysAfterPurchase')
  assert.equal(stats.maxs[j], Math.log1p(30))
  const inside = toVector({ ...exampleCustomer(), priceTotal: 30, lastVisitDaysAfterPurchase: 100 }, stats)
  const beyond = toVector({ ...exampleCustomer(), priceTotal: 300, lastVisitDaysAfterPurchase: 5000 }, stats)
  assert.equal(beyond[j], inside[j])
  assert.equal(beyond[k], inside[k])
  const below = toVector({ ...exampleCustomer(), lastVisitDaysAfterPurchase: 0 }, stats)
  assert.equal(below[k], toVector({ ...exampleCustomer(), lastVisitDaysAfterPurchase: Math.min(...customers.map((c) => c.lastVisitDaysAfterPurchase)) }, stats)[k])
})
