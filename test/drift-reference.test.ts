// The training-side reference for drift: bins over the training split's distinct values, stored per
// customer field on the model card.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import { reviewScoreImputationOf } from '../src/domain/features.js'
import { MIN_BIN_SHARE, binValues, inputDistribution } from '../src/training/input-distribution.js'
import { generateCustomers } from './helpers/synthetic.js'

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0)

/** The bin a value falls in under "closed above" cuts: the number of cuts below it. */
const binOf = (cuts: readonly number[], value: number): number => cuts.filter((c) => c < value).length

test('binValues - continuous values - about ten equal-frequency bins, cuts ascending, shares summing to 1', () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => i)
  const { cuts, shares } = binValues(values)
  assert.equal(cuts.length, 9)
  assert.deepEqual(cuts, [...cuts].sort((a, b) => a - b))
  assert.equal(shares.length, cuts.length + 1)
  for (const share of shares) assert.ok(Math.abs(share - 0.1) < 0.002, String(share))
  assert.ok(Math.abs(sum(shares) - 1) < 1e-12)
})

test('binValues - 60% zeros then a spread - zero has a bin of its own, the rest about ten percent each', () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => (i < 600 ? 0 : i))
  const { cuts, shares } = binValues(values)
  assert.equal(cuts[0], 0)
  assert.ok(Math.abs((shares[0] as number) - 0.6) < 1e-12)
  for (const share of shares.slice(1)) assert.ok(share >= 0.09 && share <= 0.11, String(share))
})

test('binValues - a small prefix before a heavy value - the prefix keeps its own bin when it holds at least 1%', () => {
  // 5% of scores 1..8, 85% the imputed 8.91, 10% a 10: like the review scores.
  const values = Float64Array.from({ length: 1000 }, (_, i) => (i < 50 ? 1 + (i % 8) : i < 900 ? 8.91 : 10))
  const { cuts, shares } = binValues(values)
  assert.deepEqual(cuts, [8, 8.91])
  assert.deepEqual(shares.map((s) => Math.round(s * 1000) / 1000), [0.05, 0.85, 0.1])
})

test('binValues - discrete skewed counts (95% zero, then 1, 2, 3) - no bin below the minimum share', () => {
  const values = Float64Array.from({ length: 10_000 }, (_, i) => (i < 9500 ? 0 : i < 9800 ? 1 : i < 9950 ? 2 : 3))
  const { cuts, shares } = binValues(values)
  assert.equal(cuts[0], 0)
  for (const share of shares) assert.ok(share >= MIN_BIN_SHARE, `${share} in ${JSON.stringify(shares)}`)
  assert.ok(Math.abs(sum(shares) - 1) < 1e-12)
})

test('binValues - booleans and one constant - two bins, and one bin', () => {
  assert.deepEqual(binValues(Float64Array.from([0, 0, 0, 1, 1, 0, 0, 0, 0, 0])), { cuts: [0], shares: [0.8, 0.2] })
  assert.deepEqual(binValues(new Float64Array(50).fill(3)), { cuts: [], shares: [1] })
})

test('binValues - any data - every share is the share of values that fall in that bin', () => {
  const values = Float64Array.from({ length: 2000 }, (_, i) => Math.round(((i * 7919) % 1000) ** 1.5) / 10)
  const { cuts, shares } = binValues(values)
  const counted = new Array<number>(shares.length).fill(0)
  for (const v of values) counted[binOf(cuts, v)]! += 1
  assert.deepEqual(counted.map((c) => c / values.length), shares)
})

test('inputDistribution - synthetic customers - one entry per customer field in field order, missing review scores counted and binned as imputed', () => {
  const { customers } = generateCustomers(3000, 7)
  const imputed = reviewScoreImputationOf(customers)
  const reference = inputDistribution(customers, { reviewScore: imputed })
  assert.equal(reference.rows, 3000)
  assert.deepEqual(reference.fields.map((f) => f.field), CUSTOMER_FIELDS.map((f) => f.name))
  for (const f of reference.fields) {
    assert.equal(f.shares.length, f.cuts.length + 1, f.field)
    assert.ok(Math.abs(sum(f.shares) - 1) < 1e-9, f.field)
  }
  const withoutScore = customers.filter((c) => c.reviewScore === null || c.reviewScore === undefined).length
  const score = reference.fields.find((f) => f.field === 'reviewScore')
  assert.deepEqual(score?.missing, { share: withoutScore / 3000, binnedAs: imputed })
  // The imputed value's bin holds at least every customer without a score.
  assert.ok((score.shares[binOf(score.cuts, imputed)] as number) >= withoutScore / 3000)
  assert.equal(reference.fields.find((f) => f.field === 'completion')?.missing, undefined)
  assert.deepEqual(reference.fields.find((f) => f.field === 'reviewed')?.cuts, [0])
})

test('inputDistribution - an optional field without an imputation value - refused', () => {
  assert.throws(() => inputDistribution(generateCustomers(10, 1).customers, {}), /reviewScore/)
})
