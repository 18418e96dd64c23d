// Targeting decisions: expected profit p x V - C, highest first, within the budget.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { planTargeting, targetingProblem } from '../src/scoring/targeting.js'
import { buildTestApp, loadCommittedPredictor } from './helpers/app.js'
import { generateCustomers } from './helpers/synthetic.js'

test('planTargeting - money figures - targets positive expected profit only, with hand-computed sums', () => {
  // V = 10, C = 2: profits 3, -1, 7, 0 (p = 0.2 is break-even: not targeted).
  const plan = planTargeting([0.5, 0.1, 0.9, 0.2], { contactCost: 2, conversionValue: 10 })
  assert.deepEqual(plan.actions, ['target', 'skip', 'target', 'skip'])
  assert.deepEqual(plan.expectedProfits?.map((x) => Math.round(x * 1e9) / 1e9), [3, -1, 7, 0])
  assert.equal(plan.summary.targeted, 2)
  assert.ok(Math.abs(plan.summary.expectedConversions - 1.4) < 1e-12)
  assert.ok(Math.abs((plan.summary.expectedProfit as number) - 10) < 1e-12)
  assert.ok(Math.abs((plan.summary.expectedProfitTargetAll as number) - 9) < 1e-12)
  assert.ok(Math.abs(plan.summary.expectedBuyers - 1.7) < 1e-12)
})

test('planTargeting - money and budget - highest expected profit first, ties in input order', () => {
  const plan = planTargeting([0.5, 0.9, 0.9, 0.6], { contactCost: 1, conversionValue: 10, budget: 2 })
  assert.deepEqual(plan.actions, ['skip', 'target', 'target', 'skip'])
  const tie = planTargeting([0.9, 0.9, 0.9], { contactCost: 1, conversionValue: 10, budget: 2 })
  assert.deepEqual(tie.actions, ['target', 'target', 'skip'])
})

test('planTargeting - budget alone - the most likely buyers; budget 0 - nobody', () => {
  assert.deepEqual(planTargeting([0.1, 0.8, 0.3, 0.5], { budget: 2 }).actions, ['skip', 'target', 'skip', 'target'])
  assert.equal(planTargeting([0.1, 0.8], { budget: 2 }).summary.expectedProfit, null)
  assert.deepEqual(planTargeting([0.1, 0.8], { budget: 0 }).actions, ['skip', 'skip'])
})

test('targetingProblem - cost without value and value without cost - named; both or neither - fine', () => {
  assert.match(targetingProblem({ contactCost: 1 }) ?? '', /together/)
  assert.match(targetingProblem({ conversionValue: 1 }) ?? '', /together/)
  assert.equal(targetingProblem({ contactCost: 1, conversionValue: 2 }), null)
  assert.equal(targetingProblem({ budget: 3 }), null)
})

let app: FastifyInstance
before(async () => { app = await buildTestApp(await loadCommittedPredictor()) })
after(async () => { await app.close() })

test('POST /predict/batch targeting - actions agree with the returned probabilities and the summary', async () => {
  const { customers } = generateCustomers(300, 21)
  const response = await app.inject({ method: 'POST', url: '/predict/batch?contactCost=3&conversionValue=12&budget=40', payload: { customers } })
  assert.equal(response.statusCode, 200)
  const body = response.json() as { predictions: Array<{ probability: number, action: string, expectedProfit: number }>, targeting: Record<string, number> }
  const targeted = body.predictions.filter((p) => p.action === 'target')
  assert.equal(targeted.length, body.targeting.targeted)
  assert.ok(targeted.length <= 40)
  for (const p of body.predictions) assert.ok(Math.abs(p.expectedProfit - (p.probability * 12 - 3)) < 1e-9)
  const worstTargeted = Math.min(...targeted.map((p) => p.expectedProfit))
  const bestSkipped = Math.max(-Infinity, ...body.predictions.filter((p) => p.action === 'skip').map((p) => p.expectedProfit))
  assert.ok(targeted.length > 0)
  assert.ok(targeted.every((p) => p.expectedProfit > 0))
  // Highest expected profit first: nobody skipped beats anybody targeted.
  assert.ok(worstTargeted >= bestSkipped, `${worstTargeted} < ${bestSkipped}`)
  const sum = targeted.reduce((s, p) => s + p.expectedProfit, 0)
  assert.ok(Math.abs(sum - (body.targeting.expectedProfit as number)) < 1e-6)
})

test('POST /predict/batch targeting - bad figures - 400 naming the parameter', async () => {
  const { customers } = generateCustomers(3, 1)
  for (const [query, name] of ([['contactCost=-1&conversionValue=5', 'contactCost'], ['contactCost=1&conversionValue=abc', 'conversionValue'], ['budget=2.5', 'budget'], ['contactCost=1', 'conversionValue']] as Array<[string, string]>)) {
    const response = await app.inject({ method: 'POST', url: `/predict/batch?${query}`, payload: { customers } })
    assert.equal(response.statusCode, 400, query)
    assert.match(response.json().message, new RegExp(name), query)
  }
  const plain = await app.inject({ method: 'POST', url: '/predict/batch', payload: { customers } })
  assert.equal(plain.json().targeting, undefined)
  assert.equal(plain.json().predictions[0].action, undefined)
})
