// The scoring use case on a stub model: one rounding rule, willBuy on the rounded value, the caller's
// threshold, indices echoed, targeting and reasons only when asked for.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ModelCard } from '../src/artefact/model-card.js'
import type { Customer } from '../src/domain/customer.js'
import type { ServingModel } from '../src/model/serving-model.js'
import { scoreCustomers } from '../src/scoring/score-customers.js'
import { validCustomer } from './helpers/app.js'

function model (probabilities: number[], explain = false): ServingModel {
  return {
    version: 'v-test',
    threshold: 0.5,
    card: {} as ModelCard,
    predict: async (customers) => Float32Array.from(customers, (_, i) => probabilities[i] as number),
    ...(explain ? { explain: (customers) => customers.map(() => [{ feature: 'completion' as const, value: 0, effect: '+0.10', effectValue: 0.1, text: 'x' }]) } : {})
  }
}

const customers = (n: number): Customer[] => Array.from({ length: n }, (_, i) => validCustomer({ customerId: `c-${i}` }))

test('scoreCustomers - float32 probabilities - rounded to 9 decimals, willBuy on the rounded value, ids echoed', async () => {
  const result = await scoreCustomers(model([0.4999999996, 0.1, 0.75]), customers(3))
  assert.equal(result.modelVersion, 'v-test')
  assert.equal(result.threshold, 0.5)
  assert.deepEqual(result.predictions.map((p) => [p.customerId, p.probability, p.willBuy]), [
    ['c-0', 0.5, true], ['c-1', 0.100000001, false], ['c-2', 0.75, true]
  ])
  assert.deepEqual([...result.probabilities], [0.5, 0.100000001, 0.75])
  assert.equal(result.targeting, undefined)
  assert.ok(result.predictions.every((p) => p.reasons === undefined && p.action === undefined && p.index === undefined))
})

test('scoreCustomers - threshold, indices, targeting and explain - each applied to every prediction', async () => {
  const result = await scoreCustomers(model([0.1, 0.9], true), customers(2), {
    threshold: 0.05, indices: [3, 7], explain: true, targeting: { contactCost: 2, conversionValue: 10 }
  })
  assert.equal(result.threshold, 0.05)
  assert.deepEqual(result.predictions.map((p) => [p.index, p.willBuy, p.action, p.reasons?.length]), [[3, true, 'skip', 1], [7, true, 'target', 1]])
  // Expected profit from the reported probabilities, in cents: 0.100000001 x 10 - 2 and 0.899999976 x 10 - 2.
  assert.deepEqual(result.predictions.map((p) => p.expectedProfit), [-1, 7])
  assert.equal(result.targeting?.targeted, 1)
})

test('scoreCustomers - explain on a model that cannot explain - rejects instead of answering without reasons', async () => {
  await assert.rejects(scoreCustomers(model([0.2]), customers(1), { explain: true }), /cannot explain/)
})
