// POST /predict through app.inject: the answer's shape, the threshold override, strict validation.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import { buildTestApp, loadCommittedPredictor, validCustomer } from './helpers/app.js'
import { detailPaths, expectError, postJson, postRawJson } from './helpers/http.js'

interface PredictJson {
  customerId?: string | number
  probability: number
  willBuy: boolean
  modelVersion: string
  threshold: number
}

const predictor = await loadCommittedPredictor()
const app = await buildTestApp(predictor)
after(async () => { await app.close() })

/** A customer who finished their only book and never came back: scored far below the threshold. */
const LOW = { reviewed: false, reviewScore: null, completion: 1, minutesListened: 1620, lastVisitDaysAfterPurchase: 0 }

async function predict (payload: unknown, query = ''): Promise<PredictJson> {
  const response = await postJson(app, `/predict${query}`, payload)
  assert.equal(response.statusCode, 200, response.body)
  return response.json<PredictJson>()
}

function assertPrediction (body: PredictJson): void {
  assert.equal(typeof body.probability, 'number')
  assert.ok(body.probability >= 0 && body.probability <= 1, `probability ${body.probability} is in [0, 1]`)
  assert.equal(body.willBuy, body.probability >= body.threshold)
  assert.equal(body.modelVersion, predictor.version)
}

test('POST /predict - valid customer with a string id - 200 with the id echoed and a probability in [0, 1]', async () => {
  const response = await postJson(app, '/predict', validCustomer({ customerId: 'c-1042' }))
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /^application\/json/)
  const body = response.json<PredictJson>()
  assert.equal(body.customerId, 'c-1042')
  assertPrediction(body)
  assert.equal(body.threshold, predictor.threshold)
  assert.deepEqual(Object.keys(body).sort(), ['customerId', 'modelVersion', 'probability', 'threshold', 'willBuy'])
})

test('POST /predict - integer id - echoed as a JSON integer', async () => {
  const body = await predict(validCustomer({ customerId: 42 }))
  assert.equal(body.customerId, 42)
  assertPrediction(body)
})

test('POST /predict - no customerId - answer has no customerId and the same probability', async () => {
  const withId = await predict(validCustomer())
  const customer: Record<string, unknown> = { ...validCustomer() }
  delete customer.customerId
  const body = await predict(customer)
  assert.equal('customerId' in body, false)
  assert.equal(body.probability, withId.probability, 'the id is never a feature')
})

test('POST /predict - model version and threshold - match GET /model', async () => {
  const body = await predict(validCustomer())
  const card = (await app.inject({ method: 'GET', url: '/model' })).json<{ version: string, threshold: number }>()
  assert.equal(body.modelVersion, card.version)
  assert.equal(body.threshold, card.threshold)
})

test('POST /predict - same customer twice - same probability; a different customer - a different one', async () => {
  const first = await predict(validCustomer())
  const second = await predict(validCustomer())
  const low = await predict(validCustomer(LOW))
  assert.equal(first.probability, second.probability)
  assert.notEqual(first.probability, low.probability, 'the answer depends on the customer')
})

test('POST /predict - ?threshold=0.3 - threshold echoed and willBuy compares with it', async () => {
  for (const customer of [validCustomer(), validCustomer(LOW)]) {
    const body = await predict(customer, '?threshold=0.3')
    assert.equal(body.threshold, 0.3)
    assert.equal(body.willBuy, body.probability >= 0.3)
  }
})

test('POST /predict - low-probability customer - willBuy follows the threshold override', async () => {
  const byDefault = await predict(validCustomer(LOW))
  assert.ok(byDefault.probability < predictor.threshold, 'precondition: scored below the model threshold')
  assert.equal(byDefault.willBuy, false)
  const zero = await predict(validCustomer(LOW), '?threshold=0')
  assert.equal(zero.threshold, 0)
  assert.equal(zero.willBuy, true)
  const one = await predict(validCustomer(LOW), '?threshold=1')
  assert.equal(one.threshold, 1)
  assert.equal(one.willBuy, false)
  const p = byDefault.probability
  assert.equal((await predict(validCustomer(LOW), `?threshold=${p / 2}`)).willBuy, true, 'just below the probability')
  assert.equal((await predict(validCustomer(LOW), `?threshold=${(p + 1) / 2}`)).willBuy, false, 'just above the probability')
  assert.equal(zero.probability, p, 'the threshold never changes the probability')
})

test('POST /predict - invalid threshold (2, -0.1, abc, empty) - 400 naming threshold', async () => {
  for (const value of ['2', '-0.1', 'abc', '']) {
    const body = expectError(await postJson(app, `/predict?threshold=${value}`, validCustomer()), 400, 'VALIDATION_FAILED')
    assert.match(body.message, /threshold/, `threshold=${value}: ${body.message}`)
    assert.ok(detailPaths(body).some((p) => p.endsWith('threshold')), `threshold=${value}: ${JSON.stringify(body.details)}`)
  }
})

test('POST /predict - unknown query parameter - 400 naming it', async () => {
  const body = expectError(await postJson(app, '/predict?foo=1', validCustomer()), 400, 'VALIDATION_FAILED')
  assert.match(body.message, /\bfoo\b/)
  assert.match(body.message, /not an accepted field/)
})

test('POST /predict - unknown query parameter - detail path is querystring/foo', async () => {
  const body = expectError(await postJson(app, '/predict?foo=1', validCustomer()), 400, 'VALIDATION_FAILED')
  assert.deepEqual(detailPaths(body), ['querystring/foo'])
  assert.equal(body.message, 'querystring/foo is not an accepted field')
})

test('POST /predict - wrong JSON types - 400 naming the field, no coercion', async () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['priceAvg', '12', /must be number/],
    ['completion', '0.5', /must be number/],
    ['bookLengthAvgMinutes', true, /must be number/],
    ['supportRequests', 1.5, /must be integer/],
    ['supportRequests', '1', /must be integer/],
    ['reviewed', 'true', /must be boolean/],
    ['reviewed', 1, /must be boolean/],
    ['reviewScore', '9', /must be number/],
    ['minutesListened', null, /must be number/]
  ]
  for (const [field, value, message] of cases) {
    const body = expectError(await postJson(app, '/predict', validCustomer({ [field]: value })), 400, 'VALIDATION_FAILED')
    assert.ok(body.message.startsWith(`${field} `), `${field}=${JSON.stringify(value)}: ${body.message}`)
    assert.match(body.message, message)
    assert.deepEqual(detailPaths(body), [field])
  }
})

test('POST /predict - unknown fields - 400 naming each of them', async () => {
  const body = expectError(await postJson(app, '/predict', validCustomer({ age: 40, Completion: 0.5 })), 400, 'VALIDATION_FAILED')
  assert.match(body.message, /^(age|Completion) is not an accepted field/)
  assert.deepEqual(detailPaths(body).sort(), ['Completion', 'age'])
})

test('POST /predict - each required field missing - 400 "<field> is required"', async () => {
  const required = CUSTOMER_FIELDS.filter((f) => !('optional' in f && f.optional)).map((f) => f.name)
  assert.equal(required.length, 9, 'every field but reviewScore is required (README)')
  for (const name of required) {
    const customer: Record<string, unknown> = { ...validCustomer() }
    delete customer[name]
    const body = expectError(await postJson(app, '/predict', customer), 400, 'VALIDATION_FAILED')
    assert.equal(body.message, `${name} is required`)
    assert.deepEqual(detailPaths(body), [name])
  }
})

test('POST /predict - empty object - 400 listing every required field', async () => {
  const body = expectError(await postJson(app, '/predict', {}), 400, 'VALIDATION_FAILED')
  assert.equal(body.details?.length, 9)
  assert.match(body.message, /\(and 8 more problems: see details\)$/)
  assert.ok(body.details?.every((d) => d.message === 'is required'))
})

test('POST /predict - reviewScore null and omitted - both 200 with the same probability', async () => {
  const asNull = await predict(validCustomer({ reviewed: false, reviewScore: null }))
  const customer: Record<string, unknown> = { ...validCustomer({ reviewed: false }) }
  delete customer.reviewScore
  const omitted = await predict(customer)
  assertPrediction(asNull)
  assert.equal(omitted.probability, asNull.probability)
})

test('POST /predict - values out of range - 400 with the bound in the message', async () => {
  const cases: Array<[string, number, string]> = [
    ['completion', 1.5, 'completion must be <= 1'],
    ['completion', -0.1, 'completion must be >= 0'],
    ['bookLengthAvgMinutes', 0, 'bookLengthAvgMinutes must be > 0'],
    ['bookLengthTotalMinutes', -5, 'bookLengthTotalMinutes must be > 0'],
    ['priceAvg', -1, 'priceAvg must be >= 0'],
    ['priceTotal', -0.01, 'priceTotal must be >= 0'],
    ['reviewScore', 11, 'reviewScore must be <= 10'],
    ['reviewScore', 0, 'reviewScore must be >= 1'],
    ['minutesListened', -1, 'minutesListened must be >= 0'],
    ['supportRequests', -1, 'supportRequests must be >= 0'],
    ['lastVisitDaysAfterPurchase', -1, 'lastVisitDaysAfterPurchase must be >= 0']
  ]
  for (const [field, value, message] of cases) {
    const body = expectError(await postJson(app, '/predict', validCustomer({ [field]: value })), 400, 'VALIDATION_FAILED')
    assert.equal(body.message, message)
    assert.deepEqual(body.details, [{ path: field, message: message.slice(field.length + 1) }])
  }
})

test('POST /predict - values on the bounds - 200', async () => {
  const cases: Array<Record<string, unknown>> = [
    { completion: 0 }, { completion: 1, minutesListened: 1620 }, { reviewScore: 1 }, { reviewScore: 10 },
    { priceAvg: 0, priceTotal: 0 }, { bookLengthAvgMinutes: 0.5, bookLengthTotalMinutes: 0.5 }, { lastVisitDaysAfterPurchase: 0 }
  ]
  for (const overrides of cases) assertPrediction(await predict(validCustomer(overrides)))
})

test('POST /predict - several problems - all listed in details, the first in the message', async () => {
  const body = expectError(await postJson(app, '/predict', validCustomer({ completion: 2, priceAvg: 'x', extra: 1 })), 400, 'VALIDATION_FAILED')
  assert.deepEqual(detailPaths(body).sort(), ['completion', 'extra', 'priceAvg'])
  assert.match(body.message, /\(and 2 more problems: see details\)$/)
  const first = body.details?.[0]
  assert.ok(first !== undefined && body.message.startsWith(`${first.path} ${first.message}`))
})

test('POST /predict - invalid customerId (empty, fractional, object, 201 chars) - 400 naming customerId', async () => {
  for (const id of ['', 1.5, {}, 'x'.repeat(201), true]) {
    const body = expectError(await postJson(app, '/predict', validCustomer({ customerId: id })), 400, 'VALIDATION_FAILED')
    assert.match(body.message, /^customerId /, JSON.stringify(id))
    assert.deepEqual(detailPaths(body), ['customerId'])
  }
})

test('POST /predict - body that is not an object (array, null, number) - 400', async () => {
  for (const text of ['[]', 'null', '42', '"customer"']) {
    const body = expectError(await postRawJson(app, '/predict', text), 400)
    assert.match(body.message, /object|JSON/, text)
  }
})

test('POST /predict - content type with charset - accepted', async () => {
  const response = await postRawJson(app, '/predict', JSON.stringify(validCustomer()), { 'content-type': 'application/json; charset=utf-8' })
  assert.equal(response.statusCode, 200)
  assertPrediction(response.json<PredictJson>())
})
