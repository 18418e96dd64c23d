// DriftWindow: the last N customers of the current model version against the training reference
// (population stability index per field), kept per version; and the branch-free binning behind it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ModelCard } from '../src/artefact/model-card.js'
import { CUSTOMER_FIELDS, type Customer } from '../src/domain/customer.js'
import { reviewScoreImputationOf } from '../src/domain/features.js'
import { createRandom } from '../src/domain/seeded-random.js'
import { binColumn, padCuts } from '../src/scoring/drift-counting.js'
import { DriftWindow, populationStabilityIndex, type DriftModel } from '../src/scoring/drift-window.js'
import { inputDistribution } from '../src/training/input-distribution.js'
import { generateCustomers } from './helpers/synthetic.js'

const FIELDS = CUSTOMER_FIELDS.map((f) => f.name)
const BASE_RATE = 0.16

/** A model whose card carries the reference built from `reference` customers (as training builds it). */
function modelFrom (reference: readonly Customer[], version = 'v-test'): DriftModel {
  const inputs = inputDistribution(reference, { reviewScore: reviewScoreImputationOf(reference) })
  return { version, card: { baseRate: BASE_RATE, inputDistribution: inputs } }
}

function scored (model: DriftModel, probabilities: number[] | Float64Array, version = model.version): { modelVersion: string, probabilities: Float64Array } {
  return { modelVersion: version, probabilities: Float64Array.from(probabilities) }
}

const constant = (n: number, p: number): Float64Array => new Float64Array(n).fill(p)

function psiOf (window: DriftWindow, model: DriftModel): Record<string, number> {
  const report = window.report(model)
  assert.ok(report !== null)
  return Object.fromEntries(Object.entries(report.features).map(([name, f]) => [name, f.psi as number]))
}

const referenceCustomers = generateCustomers(10_000, 1).customers
const model = modelFrom(referenceCustomers)
const sample = generateCustomers(10_000, 2).customers

test('DriftWindow - 10,000 customers drawn like the training data - every field\'s PSI below 0.1', () => {
  const window = new DriftWindow(10_000)
  window.observe(model, sample, scored(model, constant(sample.length, 0.2)))
  const psi = psiOf(window, model)
  assert.deepEqual(Object.keys(psi), FIELDS)
  for (const [field, value] of Object.entries(psi)) assert.ok(value >= 0 && value < 0.1, `${field}: PSI ${value}`)
})

test('DriftWindow - 10,000 customers with the last visit 150 days later - that field\'s PSI above 0.25, the others below 0.1', () => {
  const window = new DriftWindow(10_000)
  const shifted = sample.map((c) => ({ ...c, lastVisitDaysAfterPurchase: c.lastVisitDaysAfterPurchase + 150 }))
  window.observe(model, shifted, scored(model, constant(shifted.length, 0.2)))
  const psi = psiOf(window, model)
  assert.ok((psi.lastVisitDaysAfterPurchase as number) > 0.25, `lastVisitDaysAfterPurchase: PSI ${psi.lastVisitDaysAfterPurchase}`)
  for (const [field, value] of Object.entries(psi)) {
    if (field !== 'lastVisitDaysAfterPurchase') assert.ok(value < 0.1, `${field}: PSI ${value}`)
  }
})

test('DriftWindow - more customers than it holds, in batches of every size - exactly the last N, as if only they were sent', () => {
  const capacity = 1000
  const customers = generateCustomers(3777, 5).customers
  const probabilities = Float64Array.from(customers, (_, i) => (i % 100) / 100)
  const window = new DriftWindow(capacity)
  const random = createRandom(9)
  for (let i = 0; i < customers.length;) {
    const size = Math.min(customers.length - i, 1 + Math.floor(random() * 1500))
    window.observe(model, customers.slice(i, i + size), scored(model, probabilities.slice(i, i + size)))
    i += size
  }
  const fresh = new DriftWindow(capacity)
  fresh.observe(model, customers.slice(-capacity), scored(model, probabilities.slice(-capacity)))
  const report = window.report(model)
  assert.equal(report?.window, capacity)
  assert.deepEqual(report, fresh.report(model))
  const last = probabilities.slice(-capacity)
  assert.ok(Math.abs((report.meanProbability as number) - last.reduce((s, p) => s + p, 0) / capacity) < 1e-12)
})

test('DriftWindow - before it is full - counts every customer seen, shares summing to 1 per field', () => {
  const window = new DriftWindow(10_000)
  window.observe(model, sample.slice(0, 300), scored(model, constant(300, 0.25)))
  window.observe(model, sample.slice(300, 301), scored(model, [0.5]))
  const report = window.report(model)
  assert.equal(report?.window, 301)
  assert.equal(report.capacity, 10_000)
  assert.equal(report.baseRate, BASE_RATE)
  assert.ok(Math.abs((report.meanProbability as number) - (300 * 0.25 + 0.5) / 301) < 1e-12)
  for (const [field, drift] of Object.entries(report.features)) {
    assert.ok(Math.abs(drift.bins.reduce((s, b) => s + b.windowShare, 0) - 1) < 1e-9, field)
    assert.ok(Math.abs(drift.bins.reduce((s, b) => s + b.trainingShare, 0) - 1) < 1e-9, field)
  }
})

test('DriftWindow - bins of a field - edges from the reference, the first open below and the last open above', () => {
  const window = new DriftWindow(100)
  const reference = model.card.inputDistribution?.fields.find((f) => f.field === 'lastVisitDaysAfterPurchase')
  const bins = window.report(model)?.features.lastVisitDaysAfterPurchase?.bins
  assert.ok(reference !== undefined && bins !== undefined)
  assert.deepEqual(bins.map((b) => [b.lower, b.upper]), reference.shares.map((_, i) => [i === 0 ? null : reference.cuts[i - 1], i === reference.cuts.length ? null : reference.cuts[i]]))
  // A value beyond the training range lands in the last bin, one on a cut in the bin it closes.
  const lastCut = reference.cuts.at(-1) as number
  const customers = [{ ...sample[0], lastVisitDaysAfterPurchase: 30_000 }, { ...sample[0], lastVisitDaysAfterPurchase: lastCut }] as Customer[]
  window.observe(model, customers, scored(model, [0.1, 0.1]))
  const shares = window.report(model)?.features.lastVisitDaysAfterPurchase?.bins.map((b) => b.windowShare)
  assert.equal(shares?.at(-1), 0.5)
  assert.equal(shares?.at(-2), 0.5)
})

test('DriftWindow - review scores left out - counted as missing and binned as the imputed value', () => {
  const window = new DriftWindow(100)
  const imputed = model.card.inputDistribution?.fields.find((f) => f.field === 'reviewScore')?.missing?.binnedAs as number
  const base = sample[0] as Customer
  window.observe(model, [{ ...base, reviewScore: null }, { ...base, reviewScore: undefined }, { ...base, reviewScore: imputed }, { ...base, reviewScore: 1 }], scored(model, constant(4, 0.1)))
  const score = window.report(model)?.features.reviewScore
  assert.equal(score?.missing?.windowShare, 0.5)
  assert.equal(score.missing.trainingShare, referenceCustomers.filter((c) => c.reviewScore === null).length / referenceCustomers.length)
  const imputedBin = score.bins.findIndex((b) => b.upper === null || imputed <= b.upper)
  assert.equal(score.bins[imputedBin]?.windowShare, 0.75)
  assert.equal(window.report(model)?.features.completion?.missing, undefined)
})

test('DriftWindow - results scored by another version (pinned) - left out', () => {
  const window = new DriftWindow(100)
  window.observe(model, sample.slice(0, 10), scored(model, constant(10, 0.3), 'v-pinned'))
  assert.equal(window.report(model)?.window, 0)
  assert.equal(window.report(model)?.meanProbability, null)
  assert.equal(window.report(model)?.features.priceAvg?.psi, null)
})

test('DriftWindow - the current version changes - the window restarts for the new version\'s reference', () => {
  const window = new DriftWindow(100)
  window.observe(model, sample.slice(0, 50), scored(model, constant(50, 0.3)))
  const next = modelFrom(generateCustomers(2000, 3).customers, 'v-next')
  const report = window.report(next)
  assert.equal(report?.modelVersion, 'v-next')
  assert.equal(report.window, 0)
  assert.deepEqual(report.features.priceAvg?.bins.map((b) => b.trainingShare), next.card.inputDistribution?.fields.find((f) => f.field === 'priceAvg')?.shares)
  window.observe(next, sample.slice(0, 7), scored(next, constant(7, 0.3)))
  assert.equal(window.summary(next)?.windowCustomers, 7)
  // Back to the first version: a fresh window again, not the old counts.
  assert.equal(window.summary(model)?.windowCustomers, 0)
})

test('DriftWindow - a card without a reference - no report, no summary, observing ignored', () => {
  const old: DriftModel = { version: 'v-old', card: { baseRate: BASE_RATE } as Pick<ModelCard, 'baseRate'> }
  const window = new DriftWindow(100)
  window.observe(old, sample.slice(0, 5), scored(old, constant(5, 0.1)))
  assert.equal(window.report(old), null)
  assert.equal(window.summary(old), null)
})

test('DriftWindow - summary - the report\'s PSI per field, mean probability and window size', () => {
  const window = new DriftWindow(5000)
  window.observe(model, sample, scored(model, Float64Array.from(sample, (_, i) => (i % 10) / 10)))
  const report = window.report(model)
  assert.deepEqual(window.summary(model), {
    windowCustomers: 5000,
    meanProbability: report?.meanProbability,
    psiByFeature: Object.fromEntries(Object.entries(report?.features ?? {}).map(([name, f]) => [name, f.psi]))
  })
})

test('DriftWindow - summary asked again with nothing observed between - the same summary, made once; after more customers - a new one', () => {
  const window = new DriftWindow(100)
  window.observe(model, sample.slice(0, 50), scored(model, new Float64Array(50).fill(0.2)))
  const first = window.summary(model)
  assert.equal(window.summary(model), first, 'reused (a scrape reads it once per gauge)')
  window.observe(model, sample.slice(0, 50), scored(model, new Float64Array(50).fill(0.6)))
  const second = window.summary(model)
  assert.notEqual(second, first)
  assert.equal(second?.windowCustomers, 100)
  assert.ok(Math.abs((second?.meanProbability as number) - 0.4) < 1e-12)
})

test('DriftWindow - capacity - a positive integer', () => {
  assert.throws(() => new DriftWindow(0), /positive integer/)
  assert.throws(() => new DriftWindow(1.5), /positive integer/)
})

test('populationStabilityIndex - same shares 0, known shift its value, empty bins floored', () => {
  assert.equal(populationStabilityIndex([0.5, 0.5], [0.5, 0.5]), 0)
  const expected = (0.8 - 0.5) * Math.log(0.8 / 0.5) + (0.2 - 0.5) * Math.log(0.2 / 0.5)
  assert.ok(Math.abs(populationStabilityIndex([0.5, 0.5], [0.8, 0.2]) - expected) < 1e-15)
  const floored = (1e-4 - 0.5) * Math.log(1e-4 / 0.5) + (1 - 0.5) * Math.log(1 / 0.5)
  assert.ok(Math.abs(populationStabilityIndex([0.5, 0.5], [0, 1]) - floored) < 1e-12)
})

test('binColumn - 0 to 12 cuts, values on, between and beyond them - the number of cuts below each value, unrolled or not', () => {
  const random = createRandom(3)
  for (let size = 0; size <= 12; size++) {
    const cuts = [...new Set(Array.from({ length: size }, () => Math.round(random() * 100)))].sort((a, b) => a - b)
    const values = Float64Array.from([...cuts, ...cuts.map((c) => c + 0.5), -1, 0, 1000, ...Array.from({ length: 50 }, () => random() * 120 - 10)])
    const expected = Array.from(values, (v) => cuts.filter((c) => c < v).length)
    const out = new Uint8Array(values.length + 3)
    const padded = padCuts(cuts)
    if (cuts.length <= 8) assert.notEqual(padded, null, `${cuts.length} cuts take the unrolled path`)
    out.fill(255)
    binColumn(Float64Array.from(cuts), padded, values, 1, 0, values.length, out, 3)
    assert.deepEqual([...out.subarray(3)], expected, `${cuts.length} cuts`)
    out.fill(255)
    binColumn(Float64Array.from(cuts), null, values, 1, 0, values.length, out, 3)
    assert.deepEqual([...out.subarray(3)], expected, `${cuts.length} cuts, loop`)
    assert.deepEqual([...out.subarray(0, 3)], [255, 255, 255], 'nothing written before the offset')
  }
})
