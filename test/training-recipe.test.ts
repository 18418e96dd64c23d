// The pieces of the cross-fitted recipe that trainModel's own tests do not pin: the data quirks' counts,
// the rank correlation behind feature directions, reproducible dropout, and the hyperparameter search.
import { before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { CustomerInputs } from '../src/domain/customer.js'
import { initTensorFlow, tf } from '../src/artefact/tensorflow.js'
import { serializeModel } from '../src/artefact/artefact-store.js'
import type { TrainingOptions } from '../src/artefact/model-card.js'
import { dataQuirks } from '../src/training/data-quirks.js'
import { spearman } from '../src/training/feature-importance.js'
import { SeededDropout } from '../src/training/seeded-dropout.js'
import { SEARCH_GRID, formatSearchTable, searchHyperparameters } from '../src/training/hyperparameter-search.js'
import { trainModel } from '../src/training/pipeline.js'
import { generateCustomers } from './helpers/synthetic.js'

before(async () => { await initTensorFlow('wasm') })

function customer (overrides: Partial<CustomerInputs>): CustomerInputs {
  return {
    bookLengthAvgMinutes: 1620,
    bookLengthTotalMinutes: 1620,
    priceAvg: 9.5,
    priceTotal: 9.5,
    reviewed: false,
    reviewScore: 8.91,
    completion: 0,
    minutesListened: 0,
    supportRequests: 0,
    lastVisitDaysAfterPurchase: 0,
    ...overrides
  }
}

test('dataQuirks - hand-made customers - counts each rule\'s group and its buyers', () => {
  const customers = [
    customer({ minutesListened: 30, completion: 0.02 }), // listened, did not buy
    customer({ minutesListened: 100, completion: 0.06 }), // listened, bought
    customer({ bookLengthTotalMinutes: 3240, priceTotal: 19 }), // two books, bought
    customer({ reviewScore: 7 }), // non-reviewer with another score, bought
    customer({}), // none of the rules, did not buy
    customer({ reviewed: true, reviewScore: 7 }) // a reviewer's 7 is not a quirk
  ]
  const quirks = dataQuirks(customers, [0, 1, 1, 1, 0, 0], 8.91)
  assert.deepEqual(quirks.map((q) => q.id), ['listened-never-bought', 'several-books-bought-again', 'non-reviewer-score-bought-again'])
  assert.deepEqual(quirks.map((q) => q.group), [{ customers: 2, buyers: 1 }, { customers: 1, buyers: 1 }, { customers: 1, buyers: 1 }])
  assert.match(quirks[0]?.finding ?? '', /^2 of the 6 customers in the training file had listened to at least one minute; 1 of them \(50\.0%\) bought again\.$/)
  assert.match(quirks[1]?.finding ?? '', /^1 customer in the training file had bought more than one book .*; every one of them bought again\.$/)
  assert.match(quirks[2]?.finding ?? '', /carry the score 8\.91 .*; 1 non-reviewer in the training file carries another score, and every one of them bought again\.$/)
  for (const q of quirks) assert.ok(q.meaning.length > 40, q.id)
})

test('dataQuirks - nobody listened and everyone bought one book - only the rules with a group', () => {
  const quirks = dataQuirks([customer({}), customer({})], [0, 1], 8.91)
  assert.deepEqual(quirks, [])
  const listenedOnly = dataQuirks([customer({ minutesListened: 5, completion: 0.01 })], [0], 8.91)
  assert.match(listenedOnly[0]?.finding ?? '', /none of them bought again/)
})

test('spearman - monotone, reversed, constant and tied inputs - +1, -1, 0 and the tie-aware value', () => {
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 1000]), 1)
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1)
  assert.equal(spearman([5, 5, 5], [1, 2, 3]), 0)
  // Ranks x: 1.5, 1.5, 3, 4 against y: 1, 2, 3, 4: Pearson of the ranks = 0.9486...
  assert.ok(Math.abs(spearman([0, 0, 1, 2], [1, 2, 3, 4]) - 0.9486832980505138) < 1e-12)
})

test('SeededDropout - training calls - masks repeat for the seed, differ between calls; inference is the identity', () => {
  const input = tf.ones([4, 50])
  const maskOf = (layer: SeededDropout): Float32Array => tf.tidy(() => (layer.apply(input, { training: true }) as tf.Tensor).dataSync() as Float32Array)
  const a = new SeededDropout({ rate: 0.5, seed: 11, name: 'a' })
  const b = new SeededDropout({ rate: 0.5, seed: 11, name: 'b' })
  const a1 = maskOf(a); const a2 = maskOf(a)
  assert.deepEqual(maskOf(b), a1, 'same seed, same first mask')
  assert.notDeepEqual(a2, a1, 'the second call draws another mask')
  const dropped = a1.filter((v) => v === 0).length
  assert.ok(dropped > 50 && dropped < 150, `${dropped} of 200 dropped at rate 0.5`)
  for (const v of a1) assert.ok(v === 0 || v === 2, 'kept values scaled by 1 / (1 - rate)')
  const inference = tf.tidy(() => (a.apply(input) as tf.Tensor).dataSync())
  assert.ok(inference.every((v) => v === 1))
  input.dispose()
  assert.throws(() => new SeededDropout({ rate: 1, seed: 1, name: 'c' }), /dropout rate must be in \(0, 1\)/)
})

const SMALL: TrainingOptions = {
  hiddenUnits: [8], learningRate: 0.01, batchSize: 64, maxEpochs: 4, patience: 2, l2: 0, dropout: 0.2, seed: 9, testFraction: 0.15, folds: 2, calibrate: true
}

test('trainModel - dropout 0.2, same seed twice - byte-identical weights, and no dropout layer saved', async () => {
  const data = generateCustomers(300, 13)
  const [first, second] = [await trainModel(data.customers, data.labels, SMALL), await trainModel(data.customers, data.labels, SMALL)]
  try {
    const [x, y] = await Promise.all([serializeModel(first.model), serializeModel(second.model)])
    assert.ok(Buffer.from(x.weights).equals(Buffer.from(y.weights)), 'weights differ')
    assert.doesNotMatch(x.modelJson, /dropout/i)
  } finally {
    first.model.dispose()
    second.model.dispose()
  }
})

test('searchHyperparameters - two candidates - ranked by out-of-fold log loss, and the table lists both', async () => {
  const data = generateCustomers(300, 14)
  const seen: number[] = []
  const candidates = [{ hiddenUnits: [4], l2: 0.01, dropout: 0 }, { hiddenUnits: [8], l2: 0, dropout: 0 }]
  const rows = await searchHyperparameters(data.customers, data.labels, { ...SMALL, maxEpochs: 15 }, candidates, (_row, done) => seen.push(done))
  assert.deepEqual(seen, [1, 2])
  assert.equal(rows.length, 2)
  assert.ok((rows[0]?.logLoss ?? Infinity) <= (rows[1]?.logLoss ?? -Infinity))
  assert.deepEqual(rows.map((r) => r.hiddenUnits.join('-')).sort(), ['4', '8'])
  for (const r of rows) assert.ok(r.logLoss > 0 && r.rocAuc >= 0 && r.rocAuc <= 1 && r.perFoldLogLoss.std >= 0, JSON.stringify(r))
  assert.ok((rows[0]?.rocAuc ?? 0) > 0.6, `the best candidate learned something: ${rows[0]?.rocAuc}`)
  const table = formatSearchTable(rows).trim().split('\n')
  assert.equal(table.length, 3)
  assert.match(table[1] ?? '', new RegExp(`^1\\s+${rows[0]?.hiddenUnits.join('-')}\\s`))
})

test('SEARCH_GRID - 3 widths x 3 L2 x 2 dropout rates - 18 distinct configurations', () => {
  assert.equal(SEARCH_GRID.length, 18)
  assert.equal(new Set(SEARCH_GRID.map((c) => JSON.stringify(c))).size, 18)
})
