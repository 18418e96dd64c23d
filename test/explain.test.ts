// Reason codes: effects agree with what the model does when the field moves to its reference value.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { Customer } from '../src/domain/customer.js'
import type { Reason } from '../src/model/explanations.js'
import type { Predictor } from '../src/model/predictor.js'
import { buildTestApp, loadCommittedPredictor, validCustomer } from './helpers/app.js'
import { generateCustomers } from './helpers/synthetic.js'

let predictor: Predictor
let app: FastifyInstance

before(async () => {
  predictor = await loadCommittedPredictor()
  app = await buildTestApp(predictor)
})
after(async () => { await app.close() })

/** The reference value explain.ts compares with, read from the model card like the predictor does. */
function referenceOf (field: string): number | boolean | null {
  if (field === 'reviewScore') return null // missing score -> imputed value, the reference
  const stats = predictor.card.features.find((f) => f.name === field)
  assert.ok(stats !== undefined)
  return field === 'reviewed' ? stats.mean >= 0.5 : stats.mean
}

test('explain - 200 synthetic customers - moving the top factor to its reference moves the probability by -effect', async () => {
  const { customers } = generateCustomers(200, 5)
  const probabilities = await predictor.predict(customers)
  const reasons = predictor.explain(customers, probabilities)
  let checked = 0
  for (let i = 0; i < customers.length; i++) {
    const top = reasons[i]?.[0] as Reason
    assert.ok(top !== undefined)
    const moved = { ...customers[i], [top.feature]: referenceOf(top.feature) } as Customer
    const [after] = await predictor.predict([moved])
    const p = probabilities[i] as number
    // The stated direction: a positive effect means the probability falls when the field moves to the reference.
    assert.ok(Math.abs((p - (after as number)) - top.effectValue) < 1e-5, `customer ${i}: ${p} -> ${String(after)}, effect ${top.effectValue}`)
    if (Math.abs(top.effectValue) > 0.01) {
      assert.equal(Math.sign(p - (after as number)), Math.sign(top.effectValue))
      checked++
    }
  }
  assert.ok(checked > 50, `enough customers with a visible effect (${checked})`)
})

test('explain - reasons - three, sorted by absolute effect, effect text matches the number', async () => {
  const { customers } = generateCustomers(50, 9)
  const reasons = predictor.explain(customers, await predictor.predict(customers))
  for (const list of reasons) {
    assert.equal(list.length, 3)
    for (let k = 1; k < list.length; k++) assert.ok(Math.abs((list[k - 1] as Reason).effectValue) >= Math.abs((list[k] as Reason).effectValue))
    for (const r of list) {
      assert.match(r.effect, /^[+-]\d\.\d\d$/)
      assert.equal(r.effect, `${r.effectValue >= 0 ? '+' : '-'}${Math.abs(r.effectValue).toFixed(2)}`)
      assert.ok(r.text.length > 5)
    }
  }
})

test('POST /predict?explain=true - a customer who never listened - reasons name minutesListened or completion in plain words', async () => {
  const response = await app.inject({ method: 'POST', url: '/predict?explain=true', payload: validCustomer({ minutesListened: 0, completion: 0 }) })
  assert.equal(response.statusCode, 200)
  const body = response.json() as { reasons: Reason[], probability: number }
  assert.equal(body.reasons.length, 3)
  const listening = body.reasons.find((r) => r.feature === 'minutesListened' || r.feature === 'completion')
  assert.ok(listening !== undefined, JSON.stringify(body.reasons))
  assert.match(listening.text, /has not listened/)
  const plain = await app.inject({ method: 'POST', url: '/predict', payload: validCustomer({ minutesListened: 0, completion: 0 }) })
  assert.equal(plain.json().reasons, undefined)
  assert.equal(plain.json().probability, body.probability)
})

test('POST /predict/batch?explain=true - every prediction has reasons; explain=maybe - 400', async () => {
  const customers = generateCustomers(20, 3).customers
  const response = await app.inject({ method: 'POST', url: '/predict/batch?explain=true', payload: { customers } })
  assert.equal(response.statusCode, 200)
  const predictions = response.json().predictions as Array<{ reasons: Reason[] }>
  assert.equal(predictions.length, 20)
  for (const p of predictions) assert.equal(p.reasons.length, 3)
  const bad = await app.inject({ method: 'POST', url: '/predict/batch?explain=maybe', payload: { customers } })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.json().message, /explain/)
})
