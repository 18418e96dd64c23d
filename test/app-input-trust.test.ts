// Inputs that look wrong, over HTTP (stand-in model with the committed card): swapped average/total
// columns refused on both routes and listed in partial mode, Kaggle column names answered with the API
// names, out-of-range and inconsistent inputs scored but warned, counted in the batch and in /metrics.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { buildTestApp, validCustomer } from './helpers/app.js'
import { expectError } from './helpers/http.js'
import { committedStubModel } from './helpers/stub-model.js'

const model = committedStubModel()
const app = await buildTestApp(model)
after(async () => { await app.close() })

const range = (field: string): { min: number, max: number } => {
  const stats = model.card.features.find((f) => f.name === field)
  assert.ok(stats !== undefined, field)
  return stats
}

test('POST /predict - total length below the average (the swapped Kaggle columns) - 400 naming both fields and the Kaggle columns', async () => {
  const response = await app.inject({ method: 'POST', url: '/predict', payload: validCustomer({ bookLengthAvgMinutes: 3240, bookLengthTotalMinutes: 1620 }) })
  const body = expectError(response, 400, 'VALIDATION_FAILED')
  assert.match(body.message, /^bookLengthTotalMinutes \(1620\) is below bookLengthAvgMinutes \(3240\).*swapped.*Book_length\(mins\)_overall is the average and Book_length\(mins\)_avg the total/)
})

test('POST /predict/batch - total price below the average at index 2 - 400 at customers/2/priceTotal; partial mode lists it and scores the rest', async () => {
  const customers = [validCustomer(), validCustomer(), validCustomer({ priceAvg: 19, priceTotal: 9.5 }), validCustomer({ priceAvg: 9.5, priceTotal: 9.5 })]
  const body = expectError(await app.inject({ method: 'POST', url: '/predict/batch', payload: { customers } }), 400, 'VALIDATION_FAILED')
  assert.deepEqual(body.details?.map((d) => d.path), ['customers/2/priceTotal'])
  assert.match(body.details?.[0]?.message ?? '', /below priceAvg \(19\).*Price_overall is the average and Price_avg the total/)
  const partial = await app.inject({ method: 'POST', url: '/predict/batch?partial=true', payload: { customers } })
  assert.equal(partial.statusCode, 200, partial.body)
  assert.deepEqual(partial.json().predictions.map((p: { index: number }) => p.index), [0, 1, 3])
  assert.deepEqual(partial.json().errors.map((e: { index: number, path: string }) => [e.index, e.path]), [[2, 'customers/2/priceTotal']])
})

test('POST /predict - one book (total equal to the average) - accepted without a warning', async () => {
  const response = await app.inject({ method: 'POST', url: '/predict', payload: validCustomer({ bookLengthAvgMinutes: 1620, bookLengthTotalMinutes: 1620, priceAvg: 9.5, priceTotal: 9.5 }) })
  assert.equal(response.statusCode, 200, response.body)
  assert.equal(response.json().warnings, undefined)
})

test('POST /predict - Kaggle column names as JSON fields - each answered with its API name, no "is required" noise', async () => {
  const kaggle = {
    ID: 'c-9',
    'Book_length(mins)_overall': 1620,
    'Book_length(mins)_avg': 1620,
    Price_overall: 9.5,
    Price_avg: 9.5,
    Review: 1,
    'Review10/10': 9,
    Completion: 0,
    Minutes_listened: 0,
    Support_Request: 0,
    Last_Visited_mins_Purchase_date: 4
  }
  const body = expectError(await app.inject({ method: 'POST', url: '/predict', payload: kaggle }), 400, 'VALIDATION_FAILED')
  const byPath = Object.fromEntries((body.details ?? []).map((d) => [d.path, d.message]))
  assert.equal(Object.keys(byPath).length, 11, JSON.stringify(body.details))
  assert.match(byPath['Book_length(mins)_overall'] ?? '', /Kaggle column name, send it as bookLengthAvgMinutes$/)
  assert.match(byPath['Book_length(mins)_avg'] ?? '', /send it as bookLengthTotalMinutes$/)
  assert.match(byPath.ID ?? '', /send it as customerId$/)
  assert.ok(!Object.values(byPath).includes('is required'))
})

test('POST /predict - prices in cents and minutes that do not match completion - 200, warned, probability as if clipped', async () => {
  const { max } = range('priceAvg')
  const cents = validCustomer({ priceAvg: 950, priceTotal: 950, completion: 0.5, minutesListened: 100 })
  const response = await app.inject({ method: 'POST', url: '/predict', payload: cents })
  assert.equal(response.statusCode, 200, response.body)
  const warnings = response.json().warnings as Array<{ field: string, code: string, message: string }>
  assert.deepEqual(warnings.map((w) => [w.field, w.code]), [['priceAvg', 'OUT_OF_RANGE'], ['priceTotal', 'OUT_OF_RANGE'], ['minutesListened', 'INCONSISTENT']])
  assert.match(warnings[0]?.message ?? '', new RegExp(`priceAvg 950 is outside the training range .* to ${max} \\(USD\\): scored as ${max}\\. Are the prices in cents\\?`))
  assert.match(warnings[2]?.message ?? '', /minutesListened 100 differs by more than 5% from completion x bookLengthTotalMinutes = 810/)
  const clipped = await app.inject({ method: 'POST', url: '/predict', payload: { ...cents, priceAvg: range('priceAvg').max, priceTotal: range('priceTotal').max } })
  assert.equal(response.json().probability, clipped.json().probability, 'a warning never changes the probability beyond clipping')
})

test('POST /predict/batch - warned customers counted in the answer and in /metrics by field and code; consistent listening not warned', async () => {
  const before = (await app.inject('/metrics')).body
  const customers = [
    validCustomer({ completion: 0.5, minutesListened: 810 }),
    validCustomer({ completion: 0.5, minutesListened: 840 }), // 3.7% off: within 5%
    validCustomer({ supportRequests: range('supportRequests').max + 1 }),
    validCustomer({ completion: 0, minutesListened: 30 })
  ]
  const response = await app.inject({ method: 'POST', url: '/predict/batch', payload: { customers } })
  assert.equal(response.statusCode, 200, response.body)
  const answer = response.json()
  assert.equal(answer.warnedCustomers, 2)
  assert.deepEqual(answer.predictions.map((p: { warnings?: Array<{ code: string }> }) => p.warnings?.map((w) => w.code) ?? []), [[], [], ['OUT_OF_RANGE'], ['INCONSISTENT']])
  const after = (await app.inject('/metrics')).body
  const count = (text: string, labels: string): number => Number(new RegExp(`^buy_again_input_warnings_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
  assert.equal(count(after, 'field="supportRequests",code="OUT_OF_RANGE"') - count(before, 'field="supportRequests",code="OUT_OF_RANGE"'), 1)
  assert.equal(count(after, 'field="minutesListened",code="INCONSISTENT"') - count(before, 'field="minutesListened",code="INCONSISTENT"'), 1)
})

test('POST /predict - listened and bought two books (no customer in the committed model\'s data did both) - 200, warned UNSEEN_COMBINATION, counted', async () => {
  const before = (await app.inject('/metrics')).body
  const both = validCustomer({ bookLengthAvgMinutes: 1000, bookLengthTotalMinutes: 2000, priceAvg: 5, priceTotal: 10, completion: 0.5, minutesListened: 1000 })
  const response = await app.inject({ method: 'POST', url: '/predict', payload: both })
  assert.equal(response.statusCode, 200, response.body)
  const warnings = response.json().warnings as Array<{ field: string, code: string, message: string }>
  assert.deepEqual(warnings.map((w) => [w.field, w.code]), [['minutesListened', 'UNSEEN_COMBINATION']])
  assert.match(warnings[0]?.message ?? '', /never bought again .* always did/)
  const after = (await app.inject('/metrics')).body
  const count = (text: string): number => Number(/^buy_again_input_warnings_total\{field="minutesListened",code="UNSEEN_COMBINATION"\} (\d+)$/m.exec(text)?.[1] ?? 0)
  assert.equal(count(after) - count(before), 1)
})

test('POST /predict/batch - the same warning on three customers - counted three times', async () => {
  const before = (await app.inject('/metrics')).body
  const over = validCustomer({ supportRequests: range('supportRequests').max + 1 })
  const response = await app.inject({ method: 'POST', url: '/predict/batch', payload: { customers: [over, validCustomer(), over, over] } })
  assert.equal(response.json().warnedCustomers, 3)
  const after = (await app.inject('/metrics')).body
  const count = (text: string): number => Number(/^buy_again_input_warnings_total\{field="supportRequests",code="OUT_OF_RANGE"\} (\d+)$/m.exec(text)?.[1] ?? 0)
  assert.equal(count(after) - count(before), 3)
})

test('POST /predict - a non-reviewer sent with a review score (the committed card: 172 such training customers, all buyers) - 200, warned INCONSISTENT on reviewScore, counted', async () => {
  const before = (await app.inject('/metrics')).body
  const response = await app.inject({ method: 'POST', url: '/predict', payload: validCustomer({ reviewed: false, reviewScore: 1 }) })
  assert.equal(response.statusCode, 200, response.body)
  const warnings = response.json().warnings as Array<{ field: string, code: string, message: string }>
  assert.deepEqual(warnings.map((w) => [w.field, w.code]), [['reviewScore', 'INCONSISTENT']])
  assert.match(warnings[0]?.message ?? '', /reviewed is false but reviewScore is 1: the training data gives non-reviewers the score 8\.91\d*, and the 172 non-reviewers with another score all bought again/)
  const after = (await app.inject('/metrics')).body
  const count = (text: string): number => Number(/^buy_again_input_warnings_total\{field="reviewScore",code="INCONSISTENT"\} (\d+)$/m.exec(text)?.[1] ?? 0)
  assert.equal(count(after) - count(before), 1)
  // Left out, as for a non-reviewer: no warning.
  const { reviewScore: _score, ...withoutScore } = validCustomer({ reviewed: false })
  assert.equal((await app.inject({ method: 'POST', url: '/predict', payload: withoutScore })).json().warnings, undefined)
})
