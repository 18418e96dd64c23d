// Targeting decisions: expected profit p x V - C, highest first, within the budget.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { planTargeting, roundMoney, targetingProblem } from '../src/scoring/targeting.js'
import { buildTestApp, loadCommittedPredictor } from './helpers/app.js'
import { generateCustomers } from './helpers/synthetic.js'

test('planTargeting - money figures - targets positive expected profit only, with hand-computed sums', () => {
  // V = 10, C = 2: profits 3, -1, 7, 0 (p = 0.2 is break-even: not targeted).
  const plan = planTargeting([0.5, 0.1, 0.9, 0.2], { contactCost: 2, conversionValue: 10 })
  assert.deepEqual(plan.actions, ['target', 'skip', 'target', 'skip'])
  assert.deepEqual(plan.expectedProfits, [3, -1, 7, 0])
  assert.equal(plan.summary.targeted, 2)
  assert.equal(plan.summary.expectedConversions, 1.4)
  assert.equal(plan.summary.expectedProfit, 10)
  assert.equal(plan.summary.expectedProfitTargetAll, 9)
  assert.equal(plan.summary.expectedBuyers, 1.7)
})

test('planTargeting - money figures - rounded to cents, sums without float noise', () => {
  // In floating point 0.1 x 3 = 0.30000000000000004 and 0.1 + 0.2 = 0.30000000000000004.
  const plan = planTargeting([0.1, 0.2, 0.749477141], { contactCost: 0, conversionValue: 3 })
  assert.deepEqual(plan.expectedProfits, [0.3, 0.6, 2.25])
  assert.equal(plan.summary.expectedProfit, 3.15)
  assert.equal(plan.summary.expectedProfitTargetAll, 3.15)
  assert.equal(plan.summary.expectedConversions, 1.049477141)
  const noisy = planTargeting([0.1, 0.2], { contactCost: 0, conversionValue: 1 })
  assert.deepEqual([noisy.summary.expectedBuyers, noisy.summary.expectedProfit], [0.3, 0.3])
  // 11.242157095000001 before rounding: the figure the issue showed.
  assert.deepEqual(planTargeting([0.882810473], { contactCost: 2, conversionValue: 15 }).expectedProfits, [11.24])
})

test('planTargeting - an expected profit below half a cent - reported as 0 and not targeted, as the rule says', () => {
  const plan = planTargeting([0.2003, 0.2006], { contactCost: 2, conversionValue: 10 })
  assert.deepEqual(plan.expectedProfits, [0, 0.01])
  assert.deepEqual(plan.actions, ['skip', 'target'])
  assert.equal(Object.is(plan.expectedProfits?.[0], -0), false)
})

test('roundMoney - halves, negatives, zero - cents, never -0', () => {
  assert.equal(roundMoney(11.242157095000001), 11.24)
  assert.equal(roundMoney(-0.004), 0)
  assert.equal(Object.is(roundMoney(-0.004), -0), false)
  assert.equal(roundMoney(-1.236), -1.24)
  assert.equal(roundMoney(2.5), 2.5)
})

test('planTargeting - rule text - "1 customer", not "1 customers"', () => {
  assert.equal(planTargeting([0.1, 0.8], { budget: 1 }).summary.rule, 'target the 1 customer most likely to buy (budget 1)')
  assert.equal(planTargeting([0.1, 0.8], { budget: 2 }).summary.rule, 'target the 2 customers most likely to buy (budget 2)')
  assert.match(planTargeting([0.9], { contactCost: 1, conversionValue: 5, budget: 1 }).summary.rule, /, at most 1 customer$/)
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
  // Cents, as a person would write them down: probability x 12 - 3 rounded to 2 decimals.
  for (const p of body.predictions) assert.equal(p.expectedProfit, Number((p.probability * 12 - 3).toFixed(2)) + 0)
  const worstTargeted = Math.min(...targeted.map((p) => p.expectedProfit))
  const bestSkipped = Math.max(-Infinity, ...body.predictions.filter((p) => p.action === 'skip').map((p) => p.expectedProfit))
  assert.ok(targeted.length > 0)
  assert.ok(targeted.every((p) => p.expectedProfit > 0))
  // Highest expected profit first: nobody skipped beats anybody targeted.
  assert.ok(worstTargeted >= bestSkipped, `${worstTargeted} < ${bestSkipped}`)
  // The summary is the sum of the figures shown, to the cent.
  const cents = targeted.reduce((s, p) => s + Math.round(p.expectedProfit * 100), 0)
  assert.equal(body.targeting.expectedProfit, cents / 100)
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
