// The batch answer as Fastify writes it from the response schema, and the 9-decimal probabilities: same
// JSON value as JSON.stringify, valid against the documented response schema, and the same numbers from
// /predict and /predict/batch.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Ajv } from 'ajv'
import type { FastifyInstance } from 'fastify'
import type { ModelCard } from '../src/artefact/model-card.js'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import { createRandom } from '../src/domain/seeded-random.js'
import { probabilityText as formatProbability, roundProbability } from '../src/scoring/reported-probability.js'
import { scoreCustomers } from '../src/scoring/score-customers.js'
import type { ServingModel } from '../src/model/serving-model.js'
import { batchResponses } from '../src/http/schemas/predict-schemas.js'
import { buildTestApp, loadCommittedPredictor, validCustomer } from './helpers/app.js'

let app: FastifyInstance
before(async () => { app = await buildTestApp(await loadCommittedPredictor()) })
after(async () => { await app.close() })

test('formatProbability - random and edge values - the JSON text of roundProbability, at most 9 decimals, no trailing zeros', () => {
  const random = createRandom(3)
  const values = [0, 1, 0.5, 0.1, 1e-12, 4.9e-10, 5e-10, 5.1e-10, 1e-9, 1.5e-7, 0.9999999994, 0.9999999996, Math.fround(0.1), -0.0,
    ...Array.from({ length: 20_000 }, () => random()), ...Array.from({ length: 2000 }, () => Math.fround(random() * 1e-5))]
  // Checked in a plain loop and reported together: 22,000 values x 4 asserts with their messages took 1.7 s.
  const shape = /^(0|1|0\.\d{0,8}[1-9]|[1-9](\.\d{1,2})?e-[789])$/
  const wrong: string[] = []
  for (const p of values) {
    const text = formatProbability(p)
    // The CSV cell is the API's text, exponent notation below 1e-6 included.
    const ok = shape.test(text) && Number(text) === roundProbability(p) && Math.abs(Number(text) - p) <= 5e-10 + 1e-16 &&
      text === JSON.stringify(roundProbability(p))
    if (!ok) wrong.push(`${p} -> ${text}`)
  }
  assert.deepEqual(wrong.slice(0, 10), [])
  assert.equal(formatProbability(1.73e-7), '1.73e-7')
  assert.equal(formatProbability(9.99e-7), '9.99e-7')
  assert.equal(formatProbability(1e-6), '0.000001')
  assert.equal(formatProbability(Number.NaN), 'null')
})

/** A model answering `probabilities` in turn (as float32, like the real one), with one reason per customer. */
function stubModel (probabilities: readonly number[]): ServingModel {
  const card = { version: 'v20261127-abc', createdAt: '2026-11-27T00:00:00.000Z', threshold: 0.36876457929611206, baseRate: 0.16, features: [], metrics: {}, featureImportance: [] } as unknown as ModelCard
  return {
    version: card.version,
    threshold: card.threshold,
    card,
    predict: async (customers) => Float32Array.from(customers, (_, i) => probabilities[i % probabilities.length] as number),
    explain: (customers) => customers.map((_, i) => [{ feature: CUSTOMER_FIELDS[i % CUSTOMER_FIELDS.length]!.name, value: i % 2 === 0 ? null : 3.5, effect: '+0.12', effectValue: 0.1234, text: 'a "quoted" reason' }])
  }
}

/** A copy of a JSON Schema in which every object with properties admits no others. */
function strict (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict)
  if (schema === null || typeof schema !== 'object') return schema
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, strict(value)]))
  return 'properties' in copy ? { ...copy, additionalProperties: false } : copy
}

test('POST /predict/batch - every combination of optional answer fields - valid against the strict response schema, the JSON value of JSON.stringify of the scored values, probabilities never null and at most 9 decimals', async () => {
  const random = createRandom(5)
  const probabilities = [0, 1, 1e-12, 4.9e-10, 5.1e-10, 1e-9, 1.5e-7, 2.5e-6, 0.9999999994, 0.9999999996, 0.5, 0.1,
    ...Array.from({ length: 60 }, () => random()), ...Array.from({ length: 10 }, () => random() * 1e-5)]
  const model = stubModel(probabilities)
  const customers = probabilities.map((_, i) => validCustomer({ customerId: i % 3 === 0 ? undefined : i % 3 === 1 ? i * 1000 : `c-"${i}"\\\n${'é😀'.repeat(i % 4)}` }))
  const invalid = new Set([3, 40])
  const sent = customers.map((c, i) => (invalid.has(i) ? { ...c, completion: 2 } : c))
  const stubApp = await buildTestApp(model)
  const validate = new Ajv({ strict: false }).compile(strict(batchResponses[200]) as object)
  try {
    for (const query of ['', 'explain=true', 'contactCost=2&conversionValue=15', 'budget=10', 'contactCost=2&conversionValue=15&budget=10&explain=true', 'partial=true', 'partial=true&contactCost=2&conversionValue=15&explain=true']) {
      const partial = query.includes('partial=true')
      const res = await stubApp.inject({ method: 'POST', url: `/predict/batch?${query}`, payload: { customers: partial ? sent : customers } })
      assert.equal(res.statusCode, 200, `${query}: ${res.body}`)
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
      const parsed = JSON.parse(res.body) as { errors?: Array<{ index: number }> }
      assert.ok(validate(parsed), `${query}: ${JSON.stringify(validate.errors)}`)
      // What the route scored, through the same use case, written by JSON.stringify.
      const params = new URLSearchParams(query)
      const figure = (name: string): number | undefined => (params.has(name) ? Number(params.get(name)) : undefined)
      const accepted = partial ? customers.filter((_, i) => !invalid.has(i)) : customers
      const scored = await scoreCustomers(model, accepted, {
        explain: params.has('explain'),
        targeting: { contactCost: figure('contactCost'), conversionValue: figure('conversionValue'), budget: figure('budget') },
        indices: partial ? customers.flatMap((_, i) => (invalid.has(i) ? [] : [i])) : undefined
      })
      const expected = { modelVersion: scored.modelVersion, threshold: scored.threshold, predictions: scored.predictions, targeting: scored.targeting, warnedCustomers: scored.warnedCustomers }
      assert.deepEqual({ ...parsed, errors: undefined }, { ...JSON.parse(JSON.stringify(expected)), errors: undefined }, query)
      assert.deepEqual(parsed.errors?.map((e) => e.index), partial ? [...invalid] : undefined, query)
      const texts = [...res.body.matchAll(/"probability":([^,}]*)/g)].map((m) => m[1] as string)
      assert.equal(texts.length, accepted.length)
      for (const text of texts) {
        assert.match(text, /^(0|1|0\.\d{1,9}|\d(\.\d+)?e-\d+)$/, `${query}: ${text}`)
        assert.equal(Number(text), roundProbability(Number(text)), `${query}: ${text}`)
        // The same number the CSV answer and the file CLI write (their text spells small ones out).
        assert.equal(Number(text), Number(formatProbability(Number(text))), `${query}: ${text}`)
      }
    }
  } finally {
    await stubApp.close()
  }
})

test('POST /predict/batch - model answers NaN - 500 JSON error, never a null probability', async () => {
  const stubApp = await buildTestApp(stubModel([0.5, Number.NaN]))
  try {
    const res = await stubApp.inject({ method: 'POST', url: '/predict/batch', payload: { customers: [validCustomer(), validCustomer()] } })
    assert.equal(res.statusCode, 500, res.body)
    assert.equal(res.json().code, 'INTERNAL')
    assert.doesNotMatch(res.body, /probability/)
  } finally {
    await stubApp.close()
  }
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

test('POST /predict/batch - float32 model outputs at the rounding edges - the wire numbers worked out by hand', async () => {
  // Exact in float32: 2^-31 = 4.66e-10 rounds to 0 at 9 decimals, 2^-30 = 9.31e-10 to 1e-9,
  // 1 - 2^-24 = 0.999999940395 to 0.99999994, 0.25 stays.
  const outputs = [2 ** -31, 2 ** -30, 1 - 2 ** -24, 0.25]
  const pinned = await buildTestApp(stubModel(outputs))
  try {
    const res = await pinned.inject({ method: 'POST', url: '/predict/batch', payload: { customers: outputs.map(() => validCustomer()) } })
    assert.equal(res.statusCode, 200, res.body)
    const texts = [...res.body.matchAll(/"probability":([^,}]*)/g)].map((m) => m[1])
    assert.deepEqual(texts, ['0', '1e-9', '0.99999994', '0.25'])
  } finally {
    await pinned.close()
  }
})
