// The batch answer's JSON writer and the 9-decimal probabilities: same JSON value as JSON.stringify,
// valid against the documented response schema, and the same numbers from /predict and /predict/batch.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Ajv } from 'ajv'
import Fastify, { type FastifyInstance } from 'fastify'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import { createRandom } from '../src/domain/seeded-random.js'
import { serializeBatchAnswer, type BatchAnswer } from '../src/http/batch-answer-json.js'
import { probabilityText as formatProbability, roundProbability } from '../src/scoring/reported-probability.js'
import type { ScoredCustomer as BatchPrediction } from '../src/scoring/score-customers.js'
import { batchResponses } from '../src/http/schemas/predict-schemas.js'
import { buildTestApp, loadCommittedPredictor, validCustomer } from './helpers/app.js'

let app: FastifyInstance
before(async () => { app = await buildTestApp(await loadCommittedPredictor()) })
after(async () => { await app.close() })

test('formatProbability - random and edge values - the JSON number of roundProbability, at most 9 decimals, no trailing zeros', () => {
  const random = createRandom(3)
  const values = [0, 1, 0.5, 0.1, 1e-12, 4.9e-10, 5e-10, 5.1e-10, 1e-9, 1.5e-7, 0.9999999994, 0.9999999996, Math.fround(0.1), -0.0,
    ...Array.from({ length: 20_000 }, () => random()), ...Array.from({ length: 2000 }, () => Math.fround(random() * 1e-5))]
  for (const p of values) {
    const text = formatProbability(p)
    assert.match(text, /^(0|1|0\.\d{0,8}[1-9])$/, `${p} -> ${text}`)
    assert.equal(Number(text), roundProbability(p), `${p} -> ${text}`)
    assert.ok(Math.abs(Number(text) - p) <= 5e-10 + 1e-16, `${p} -> ${text}`)
    // Above 1e-6 JavaScript writes the rounded number the same way (below, it switches to 1e-7 notation).
    if (roundProbability(p) >= 1e-6) assert.equal(text, JSON.stringify(roundProbability(p)))
  }
  assert.equal(formatProbability(Number.NaN), 'null')
})

function randomAnswer (seed: number): BatchAnswer {
  const random = createRandom(seed)
  const predictions: BatchPrediction[] = Array.from({ length: 50 }, (_, i) => {
    const p = roundProbability(random())
    const prediction: BatchPrediction = { customerId: i % 3 === 0 ? undefined : i % 3 === 1 ? i * 1000 : `c-"${i}"\\\n${'é😀'.repeat(i % 4)}`, probability: p, willBuy: p >= 0.4 }
    if (seed % 2 === 0) prediction.index = i * 2
    if (seed % 3 === 0) {
      prediction.action = p > 0.5 ? 'target' : 'skip'
      prediction.expectedProfit = p * 15 - 2
    }
    if (seed % 5 === 0) {
      prediction.reasons = [{ feature: CUSTOMER_FIELDS[i % CUSTOMER_FIELDS.length]!.name, value: i % 2 === 0 ? null : 3.5, effect: '+0.12', effectValue: 0.1234, text: 'a "quoted" reason' }]
    }
    return prediction
  })
  return {
    modelVersion: 'v20261127-abc',
    threshold: 0.36876457929611206,
    predictions,
    targeting: seed % 3 === 0
      ? { customers: 50, expectedBuyers: 20.5, targeted: 12, expectedConversions: 9.25, expectedProfit: 100.5, expectedProfitTargetAll: -3.25, contactCost: 2, conversionValue: 15, budget: null, rule: 'target when ...' }
      : undefined,
    errors: seed % 2 === 0 ? [{ index: 1, path: 'customers/1/completion', message: 'must be <= 1' }] : undefined
  }
}

/** A copy of a JSON Schema in which every object with properties admits no others. */
function strict (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict)
  if (schema === null || typeof schema !== 'object') return schema
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, strict(value)]))
  return 'properties' in copy ? { ...copy, additionalProperties: false } : copy
}

test('serializeBatchAnswer - answers with every combination of optional fields - the JSON value of Fastify\'s schema serializer and of JSON.stringify, valid against the strict response schema', async () => {
  // What the route wrote before: Fastify's serializer compiled from the documented response schema.
  const reference = Fastify()
  let current: BatchAnswer | null = null
  reference.get('/', { schema: { response: { 200: batchResponses[200] } } }, async () => current)
  const validate = new Ajv({ strict: false }).compile(strict(batchResponses[200]) as object)
  for (let seed = 1; seed <= 30; seed++) {
    const answer = randomAnswer(seed)
    current = answer
    const parsed = JSON.parse(serializeBatchAnswer(answer)) as unknown
    assert.deepEqual(parsed, JSON.parse((await reference.inject({ method: 'GET', url: '/' })).body), `seed ${seed}: schema serializer`)
    assert.deepEqual(parsed, JSON.parse(JSON.stringify(answer)), `seed ${seed}: JSON.stringify`)
    assert.ok(validate(parsed), `seed ${seed}: ${JSON.stringify(validate.errors)}`)
  }
  await reference.close()
})

// One customer runs through float64 loops, a batch through float32 wasm kernels: both are within 1e-6
// of model.predict (compiled-model tests), so the two answers agree within 2e-6.
test('POST /predict and /predict/batch - same customers - probabilities agree within 2e-6, 9 decimals at most, willBuy = probability >= threshold', async () => {
  const random = createRandom(11)
  const customers = Array.from({ length: 40 }, (_, i) => {
    const c = validCustomer()
    return { ...c, customerId: `c${i}`, completion: random(), minutesListened: Math.round(random() * 5000), lastVisitDaysAfterPurchase: Math.round(random() * 400) }
  })
  const batch = await app.inject({ method: 'POST', url: '/predict/batch', payload: { customers } })
  assert.equal(batch.statusCode, 200, batch.body)
  assert.equal(batch.headers['content-type'], 'application/json; charset=utf-8')
  const answer = batch.json()
  for (const [i, customer] of customers.entries()) {
    const single = await app.inject({ method: 'POST', url: '/predict', payload: customer })
    const one = single.json()
    const fromBatch = answer.predictions[i]
    assert.equal(fromBatch.customerId, customer.customerId)
    assert.ok(Math.abs(one.probability - fromBatch.probability) <= 2e-6, `customer ${i}: ${one.probability} vs ${fromBatch.probability}`)
    assert.equal(one.willBuy, one.probability >= one.threshold)
    assert.equal(roundProbability(one.probability), one.probability)
    assert.equal(fromBatch.willBuy, fromBatch.probability >= answer.threshold)
    assert.equal(roundProbability(fromBatch.probability), fromBatch.probability)
  }
})
