// Property-based fuzzing of the scoring routes through app.inject (fast-check, fixed seed): valid
// customers always score, anything else is a 4xx JSON error naming the field, and the app stays healthy.
import { after, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { InjectOptions } from 'fastify'
import fc from 'fast-check'
import { CUSTOMER_FIELDS, type Customer } from '../src/domain/customer.js'
import { roundProbability } from '../src/scoring/reported-probability.js'
import { buildTestApp, loadCommittedPredictor, validCustomer } from './helpers/app.js'
import { FUZZ_SEED, brokenCustomerArb, invalidUtf8, validCustomerArb, type BrokenCustomer } from './helpers/generators.js'
import { assertNoInternals, expectError, postJson, postRawJson, type ErrorJson, type Response } from './helpers/http.js'

const predictor = await loadCommittedPredictor()
const app = await buildTestApp(predictor)
after(async () => { await app.close() })
app.readiness.markReady()

const JSON_HEADERS = { 'content-type': 'application/json' }
const FIELD_NAMES = ['customerId', ...CUSTOMER_FIELDS.map((f) => f.name)]

/** Generated cases (property runs and enumerated inputs) and requests sent, over the whole file. */
const totals = { cases: 0, requests: 0 }

function report (t: TestContext, cases: number, requests: number): void {
  totals.cases += cases
  totals.requests += requests
  t.diagnostic(`${cases} generated cases, ${requests} requests`)
}

async function send (options: InjectOptions): Promise<Response> {
  return await app.inject(options)
}

/** A 4xx JSON error (never 5xx), with the shape every error answer has. */
function expectClientError (response: Response, context: string): ErrorJson {
  assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${context}: expected 4xx, got ${response.statusCode}: ${response.body.slice(0, 300)}`)
  return expectError(response, response.statusCode)
}

/** A 400 whose message starts with the field path and whose details list it. */
function expectNamed (response: Response, path: string, context: string): ErrorJson {
  const body = expectError(response, 400, 'VALIDATION_FAILED')
  assert.ok(body.message.startsWith(`${path} `), `${context}: message should start with "${path} ", got "${body.message}"`)
  assert.ok((body.details ?? []).some((d) => d.path === path), `${context}: details should list ${path}: ${JSON.stringify(body.details)}`)
  return body
}

function sameId (actual: unknown, sent: Customer, context: string): void {
  if (sent.customerId === undefined) assert.equal(actual, undefined, `${context}: no customerId sent, none echoed`)
  else assert.equal(actual, sent.customerId, `${context}: customerId echoed exactly`)
}

interface Prediction { customerId?: string | number, probability: number, willBuy: boolean }

test('POST /predict - generated valid customers over the whole schema domain - 200 with a probability', async (t) => {
  let runs = 0
  try {
    await fc.assert(fc.asyncProperty(validCustomerArb(), async (customer) => {
      runs++
      const response = await postJson(app, '/predict', customer)
      assert.equal(response.statusCode, 200, `${JSON.stringify(customer)} -> ${response.body.slice(0, 200)}`)
      const p = response.json<Prediction>().probability
      assert.ok(p >= 0 && p <= 1, `probability ${p}`)
    }), { seed: FUZZ_SEED, numRuns: 2000 })
  } finally {
    report(t, runs, runs)
  }
})

test('POST /predict - generated valid customers (all but the length-ratio overflow) - 200, the predictor\'s probability, customerId echoed', async (t) => {
  let runs = 0
  await fc.assert(fc.asyncProperty(validCustomerArb({ avoidLengthRatioOverflow: true }), async (customer) => {
    runs++
    const response = await postJson(app, '/predict', customer)
    assert.equal(response.statusCode, 200, `${JSON.stringify(customer)} -> ${response.body.slice(0, 300)}`)
    const body = response.json<Prediction & { modelVersion: string, threshold: number }>()
    // Answers give the probability to 9 decimals.
    const expected = roundProbability((await predictor.predict([customer]))[0] as number)
    assert.ok(Number.isFinite(body.probability) && body.probability >= 0 && body.probability <= 1, `probability ${body.probability}`)
    assert.equal(body.probability, expected)
    assert.equal(body.willBuy, body.probability >= predictor.threshold)
    assert.equal(body.modelVersion, predictor.version)
    sameId(body.customerId, customer, JSON.stringify(customer))
  }), { seed: FUZZ_SEED, numRuns: 3000 })
  report(t, runs, runs)
})

test('POST /predict/batch - generated valid batches of 1..200 - 200, one prediction per customer in input order', async (t) => {
  let runs = 0
  let customers = 0
  const valid = validCustomerArb({ avoidLengthRatioOverflow: true })
  // Small batches run the loop executor, those above 48 the fused tensor path: both are generated.
  const batches = fc.oneof(fc.array(valid, { minLength: 1, maxLength: 48 }), fc.array(valid, { minLength: 49, maxLength: 200, size: 'max' }))
  await fc.assert(fc.asyncProperty(batches, async (batch) => {
    runs++
    customers += batch.length
    const response = await postJson(app, '/predict/batch', { customers: batch })
    assert.equal(response.statusCode, 200, response.body.slice(0, 300))
    const { predictions } = response.json<{ predictions: Prediction[] }>()
    assert.equal(predictions.length, batch.length)
    const sameSize = await predictor.predict(batch)
    for (let i = 0; i < batch.length; i++) {
      const sent = batch[i] as Customer
      const got = predictions[i] as Prediction
      assert.ok(got.probability >= 0 && got.probability <= 1, `item ${i}: probability ${got.probability}`)
      assert.equal(got.probability, roundProbability(sameSize[i] as number), `item ${i}: the batch's probability (to 9 decimals)`)
      // One at a time runs the loop executor; batches above 48 run the fused tensor path: they must agree.
      const alone = (await predictor.predict([sent]))[0] as number
      // Each path is within 1e-6 of model.predict, so the two are within 2e-6.
      assert.ok(Math.abs(got.probability - alone) <= 2e-6, `item ${i}: batch ${got.probability} vs alone ${alone} for ${JSON.stringify(sent)}`)
      sameId(got.customerId, sent, `item ${i}`)
      assert.equal(got.willBuy, got.probability >= predictor.threshold)
    }
  }), { seed: FUZZ_SEED, numRuns: 150 })
  t.diagnostic(`${customers} customers in ${runs} batches`)
  report(t, runs, runs)
})

test('POST /predict - a customer broken in one place (wrong type, out of range, missing, extra field, bad id) - 400 naming the field', async (t) => {
  let runs = 0
  const kinds = new Map<string, number>()
  await fc.assert(fc.asyncProperty(brokenCustomerArb(), async (broken: BrokenCustomer) => {
    runs++
    kinds.set(broken.kind, (kinds.get(broken.kind) ?? 0) + 1)
    const response = await postJson(app, '/predict', broken.customer)
    expectNamed(response, broken.path, `${broken.kind} ${JSON.stringify(broken.customer).slice(0, 300)}`)
  }), { seed: FUZZ_SEED, numRuns: 2500 })
  t.diagnostic(`by kind: ${JSON.stringify(Object.fromEntries(kinds))}`)
  report(t, runs, runs)
})

/** minLength..maxLength valid customers with one broken customer spliced in at a random index. */
function batchWithOneBrokenArb (minLength: number, maxLength: number): fc.Arbitrary<{ customers: unknown[], index: number, broken: BrokenCustomer }> {
  const valid = validCustomerArb({ avoidLengthRatioOverflow: true })
  return fc.tuple(fc.array(valid, { minLength, maxLength }), brokenCustomerArb(), fc.nat())
    .map(([others, broken, at]) => {
      const index = at % (others.length + 1)
      const customers: unknown[] = [...others]
      customers.splice(index, 0, broken.customer)
      return { customers, index, broken }
    })
}

test('POST /predict/batch - one broken customer at a random index - 400 naming customers/<index>/<field>', async (t) => {
  let runs = 0
  await fc.assert(fc.asyncProperty(batchWithOneBrokenArb(0, 30), async ({ customers, index, broken }) => {
    runs++
    const response = await postJson(app, '/predict/batch', { customers })
    expectNamed(response, `customers/${index}/${broken.path}`, `${broken.kind} at ${index} of ${customers.length}`)
  }), { seed: FUZZ_SEED, numRuns: 600 })
  report(t, runs, runs)
})

test('POST /predict/batch?partial=true - one broken customer at a random index - the others scored, it listed in errors', async (t) => {
  let runs = 0
  await fc.assert(fc.asyncProperty(batchWithOneBrokenArb(1, 20), async ({ customers, index, broken }) => {
    runs++
    const response = await postJson(app, '/predict/batch?partial=true', { customers })
    assert.equal(response.statusCode, 200, response.body.slice(0, 300))
    const body = response.json<{ predictions: Array<Prediction & { index: number }>, errors: Array<{ index: number, path: string }> }>()
    assert.deepEqual(body.errors.map((e) => e.index), [index])
    assert.equal(body.errors[0]?.path, `customers/${index}/${broken.path}`)
    assert.deepEqual(body.predictions.map((p) => p.index), customers.map((_, i) => i).filter((i) => i !== index))
  }), { seed: FUZZ_SEED, numRuns: 300 })
  report(t, runs, runs)
})

test('POST /predict/batch - broken envelopes (no customers, not an array, empty, extra keys, not an object) - 400 naming the path', async (t) => {
  const customer = validCustomer()
  const cases: Array<[unknown, string]> = [
    [{}, 'customers'],
    [{ customers: null }, 'customers'],
    [{ customers: customer }, 'customers'],
    [{ customers: 'c-1' }, 'customers'],
    [{ customers: [] }, 'customers'],
    [{ customers: [customer], extra: 1 }, 'extra'],
    [{ customer: [customer] }, 'customers'],
    [[customer], 'body'],
    ['customers', 'body'],
    [42, 'body'],
    [null, 'body']
  ]
  for (const [payload, path] of cases) {
    const response = await postRawJson(app, '/predict/batch', JSON.stringify(payload))
    const body = expectError(response, 400, 'VALIDATION_FAILED')
    assert.ok((body.details ?? []).some((d) => d.path === path), `${JSON.stringify(payload).slice(0, 100)}: details should name ${path}: ${body.message}`)
  }
  report(t, cases.length, cases.length)
})

/** A valid customer's JSON with one field's value replaced by raw text (for spellings JSON.stringify cannot write). */
function withRawValue (field: string, raw: string, base: Customer = validCustomer({ reviewScore: 5 })): string {
  const text = JSON.stringify({ ...base, [field]: '\u0000RAW\u0000' })
  const marker = JSON.stringify('\u0000RAW\u0000')
  assert.ok(text.includes(marker))
  return text.replace(marker, raw)
}

/** Raw spellings that are not JSON at all: the body cannot be parsed, so there is no field to name. */
const NOT_JSON_NUMBERS = ['NaN', '-NaN', 'Infinity', '-Infinity', '+1', '.5', '1.', '01', '0x10', '1e', 'undefined', 'Inf']
/** Raw spellings that parse to a number or string the schema must refuse (1e400 parses to Infinity). */
const OUT_OF_BOUNDS_NUMBERS = ['1e400', '-1e400', '1e309', '1.7976931348623157e309', '123456789012345678901234567890', '-123456789012345678901234567890']
const STRING_SPELLINGS = ['"NaN"', '"Infinity"', '"-Infinity"', '"1e400"', '"1"']

test('NaN and Infinity in every JSON spelling, per field, on both routes - 4xx JSON error naming the field when the JSON parses', async (t) => {
  let count = 0
  const check = async (field: string, raw: string, text: string, index: number | null): Promise<void> => {
    count++
    const url = index === null ? '/predict' : '/predict/batch'
    const payload = index === null ? text : `{"customers":[${Array.from({ length: index }, () => JSON.stringify(validCustomer())).concat(text).join(',')}]}`
    const response = await postRawJson(app, url, payload)
    const context = `${url} ${field}=${raw}`
    if (NOT_JSON_NUMBERS.includes(raw)) {
      expectError(response, 400, 'INVALID_JSON')
      return
    }
    // A string is a fine customerId; for every other field each of these spellings is invalid.
    if (field === 'customerId' && raw.startsWith('"')) {
      assert.equal(response.statusCode, 200, context)
      return
    }
    expectNamed(response, index === null ? field : `customers/${index}/${field}`, context)
  }
  for (const field of FIELD_NAMES) {
    for (const raw of [...NOT_JSON_NUMBERS, ...OUT_OF_BOUNDS_NUMBERS, ...STRING_SPELLINGS]) {
      const text = withRawValue(field, raw)
      await check(field, raw, text, null)
      await check(field, raw, text, (count * 7) % 5)
    }
  }
  // Bare bodies: the whole request is the odd value.
  for (const raw of ['NaN', 'Infinity', '-Infinity', '1e400', '"NaN"', '-0', '[NaN]', '{"customers":[NaN]}']) {
    for (const url of ['/predict', '/predict/batch']) {
      count++
      expectClientError(await postRawJson(app, url, raw), `${url} body ${raw}`)
    }
  }
  report(t, count, count)
})

test('huge numbers written as long digit strings, per field - 400 naming the field', async (t) => {
  let runs = 0
  const digits = fc.string({ minLength: 17, maxLength: 400, unit: fc.constantFrom(...'0123456789') }).map((d) => `9${d}`)
  const raw = fc.tuple(digits, fc.constantFrom('', '-'), fc.constantFrom('', '.5', 'e10', 'e400', 'E+308')).map(([d, sign, tail]) => `${sign}${d}${tail}`)
  await fc.assert(fc.asyncProperty(fc.constantFrom(...FIELD_NAMES), raw, async (field, number) => {
    runs++
    expectNamed(await postRawJson(app, '/predict', withRawValue(field, number)), field, `${field}=${number.slice(0, 40)}`)
  }), { seed: FUZZ_SEED, numRuns: 400 })
  report(t, runs, runs)
})

const DEPTH = 10_000
const deepArray = '['.repeat(DEPTH) + ']'.repeat(DEPTH)
const deepObject = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH)

test(`deeply nested objects and arrays (depth ${DEPTH}) in every position - 400 naming where, never 5xx`, async (t) => {
  const customer = JSON.stringify(validCustomer())
  const cases: Array<[string, string, string]> = []
  for (const [name, deep] of [['array', deepArray], ['object', deepObject]] as const) {
    cases.push(['/predict', deep, name === 'array' ? 'body' : 'a'])
    cases.push(['/predict/batch', deep, name === 'array' ? 'body' : 'customers'])
    for (const field of FIELD_NAMES) {
      cases.push(['/predict', withRawValue(field, deep), field])
      cases.push(['/predict/batch', `{"customers":[${customer},${withRawValue(field, deep)}]}`, `customers/1/${field}`])
    }
    cases.push(['/predict', customer.replace('{', `{"nested":${deep},`), 'nested'])
    cases.push(['/predict/batch', `{"customers":[${customer},${deep}]}`, name === 'array' ? 'customers/1' : 'customers/1/a'])
    cases.push(['/predict/batch', `{"customers":${deep}}`, name === 'array' ? 'customers/0' : 'customers'])
    cases.push(['/predict/batch', `{"customers":[${customer}],"nested":${deep}}`, 'nested'])
  }
  for (const [url, payload, path] of cases) {
    const body = expectError(await postRawJson(app, url, payload), 400, 'VALIDATION_FAILED')
    assert.ok((body.details ?? []).some((d) => d.path === path), `${url} at ${path}: ${body.message}`)
  }
  report(t, cases.length, cases.length)
})

/** Raw JSON members with prototype-related keys, and whether the message can be expected to name them. */
const PROTOTYPE_MEMBERS = [
  '"__proto__":{"polluted":true}',
  '"__proto__":null',
  '"__proto__":1',
  '"constructor":{"prototype":{"polluted":true}}',
  '"constructor":1',
  '"constructor":{}',
  '"prototype":{"polluted":true}',
  '"prototype":1'
]

function withMember (json: string, member: string): string {
  return json.replace('{', `{${member},`)
}

type Position = 'top' | 'batch-item' | 'inside-extra' | 'inside-field'

function placeMember (member: string, position: Position, index: number): { url: string, payload: string } {
  const customer = JSON.stringify(validCustomer())
  switch (position) {
    case 'top':
      return { url: '/predict', payload: withMember(customer, member) }
    case 'batch-item': {
      const items = Array.from({ length: index + 1 }, (_, i) => (i === index ? withMember(customer, member) : customer))
      return { url: '/predict/batch', payload: `{"customers":[${items.join(',')}]}` }
    }
    case 'inside-extra':
      return { url: '/predict', payload: customer.replace('{', `{"extra":{${member}},`) }
    case 'inside-field':
      return { url: '/predict', payload: withRawValue('completion', `{${member}}`) }
  }
}

const prototypeCase = fc.record({
  member: fc.constantFrom(...PROTOTYPE_MEMBERS),
  position: fc.constantFrom<Position>('top', 'batch-item', 'inside-extra', 'inside-field'),
  index: fc.nat({ max: 12 })
})

test('__proto__, constructor and prototype keys anywhere - 400 JSON error, never 5xx, Object.prototype untouched', async (t) => {
  let runs = 0
  await fc.assert(fc.asyncProperty(prototypeCase, async ({ member, position, index }) => {
    runs++
    const { url, payload } = placeMember(member, position, index)
    const response = await postRawJson(app, url, payload)
    expectError(response, 400)
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype polluted')
  }), { seed: FUZZ_SEED, numRuns: 200 })
  report(t, runs, runs)
})

test('__proto__ and constructor.prototype keys - the message names the offending key', async (t) => {
  let count = 0
  for (const member of PROTOTYPE_MEMBERS.filter((m) => m.startsWith('"__proto__"') || m.includes('"prototype":{'))) {
    for (const position of ['top', 'batch-item'] as const) {
      count++
      const { url, payload } = placeMember(member, position, 2)
      const body = expectError(await postRawJson(app, url, payload), 400)
      // A bare "prototype" member is just an unknown field and is named as one.
      const key = member.startsWith('"__proto__"') ? '__proto__' : member.startsWith('"constructor"') ? 'constructor' : 'prototype'
      assert.match(body.message, new RegExp(key), `${url} ${member}: ${body.message}`)
    }
  }
  report(t, count, count)
})

test('an unknown field with an empty name - the error names that field, not the whole body or item', async (t) => {
  const customer = validCustomer()
  const single = expectError(await postJson(app, '/predict', { ...customer, '': 1 }), 400, 'VALIDATION_FAILED')
  assert.notEqual(single.details?.[0]?.path, 'body', single.message)
  const batch = expectError(await postJson(app, '/predict/batch', { customers: [customer, { ...customer, '': 1 }] }), 400, 'VALIDATION_FAILED')
  assert.notEqual(batch.details?.[0]?.path, 'customers/1', batch.message)
  report(t, 2, 2)
})

test('non-UTF-8 bytes at random places in a valid body (Buffer payloads) - never 5xx, errors are JSON', async (t) => {
  let runs = 0
  const arb = fc.tuple(validCustomerArb({ avoidLengthRatioOverflow: true }), invalidUtf8, fc.nat(), fc.boolean())
  await fc.assert(fc.asyncProperty(arb, async ([customer, bytes, at, batch]) => {
    runs++
    const text = Buffer.from(JSON.stringify(batch ? { customers: [customer] } : customer))
    const cut = at % (text.length + 1)
    const payload = Buffer.concat([text.subarray(0, cut), bytes, text.subarray(cut)])
    const response = await send({ method: 'POST', url: batch ? '/predict/batch' : '/predict', payload, headers: JSON_HEADERS })
    assert.ok(response.statusCode < 500, `${response.statusCode}: ${response.body.slice(0, 200)}`)
    if (response.statusCode >= 400) expectClientError(response, 'non-UTF-8')
    else assertNoInternals(response.body)
  }), { seed: FUZZ_SEED, numRuns: 800 })
  report(t, runs, runs)
})

test('non-UTF-8 bytes inside a string value - 400, not a 200 that echoes U+FFFD in place of the bytes', async (t) => {
  let runs = 0
  try {
    await fc.assert(fc.asyncProperty(invalidUtf8, fc.boolean(), async (bytes, batch) => {
      runs++
      const [head, tail] = JSON.stringify(validCustomer({ customerId: 'c-\u0000' })).split('\\u0000') as [string, string]
      const customer = Buffer.concat([Buffer.from(head), bytes, Buffer.from(tail)])
      const payload = batch ? Buffer.concat([Buffer.from('{"customers":['), customer, Buffer.from(']}')]) : customer
      const response = await send({ method: 'POST', url: batch ? '/predict/batch' : '/predict', payload, headers: JSON_HEADERS })
      expectError(response, 400)
    }), { seed: FUZZ_SEED, numRuns: 50 })
  } finally {
    report(t, runs, runs)
  }
})

test('truncated JSON: strict prefixes of valid bodies - 400 (EMPTY_BODY for none, INVALID_JSON otherwise)', async (t) => {
  let runs = 0
  const arb = fc.tuple(fc.array(validCustomerArb({ avoidLengthRatioOverflow: true }), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.nat())
  await fc.assert(fc.asyncProperty(arb, async ([customers, batch, at]) => {
    runs++
    const text = JSON.stringify(batch ? { customers } : customers[0])
    const cut = at % text.length
    const response = await postRawJson(app, batch ? '/predict/batch' : '/predict', text.slice(0, cut))
    expectError(response, 400, cut === 0 ? 'EMPTY_BODY' : 'INVALID_JSON')
  }), { seed: FUZZ_SEED, numRuns: 600 })
  // And every prefix of one batch body, exhaustively.
  const text = JSON.stringify({ customers: [validCustomer(), validCustomer({ customerId: 7, reviewScore: null })] })
  for (let cut = 0; cut < text.length; cut++) {
    runs++
    expectError(await postRawJson(app, '/predict/batch', text.slice(0, cut)), 400, cut === 0 ? 'EMPTY_BODY' : 'INVALID_JSON')
  }
  report(t, runs, runs)
})

test('wrong content types (text/plain, application/xml, multipart/form-data, none, generated) - 415 naming the type', async (t) => {
  let runs = 0
  const named = fc.constantFrom(
    'text/plain', 'text/plain; charset=utf-8', 'application/xml', 'text/xml', 'multipart/form-data; boundary=----x',
    'application/x-www-form-urlencoded', 'application/octet-stream', 'text/html', 'application/json-seq',
    'application/vnd.api+json', 'application/jsonx', 'application/javascript', 'image/png'
  )
  const generated = fc.tuple(fc.constantFrom('text', 'application', 'multipart', 'image', 'x-custom'), fc.stringMatching(/^[a-z][a-z0-9.+-]{0,15}$/))
    .map(([type, sub]) => `${type}/${sub}`)
    .filter((type) => !/^application\/json$/.test(type) && type !== 'text/csv')
  const arb = fc.tuple(fc.oneof(named, generated, fc.constant(undefined)), fc.boolean(), validCustomerArb({ avoidLengthRatioOverflow: true }))
  await fc.assert(fc.asyncProperty(arb, async ([type, batch, customer]) => {
    runs++
    const payload = JSON.stringify(batch ? { customers: [customer] } : customer)
    const response = await send({ method: 'POST', url: batch ? '/predict/batch' : '/predict', payload, headers: type === undefined ? {} : { 'content-type': type } })
    const body = expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE')
    if (type !== undefined) assert.ok(body.message.includes(type), `message should name ${type}: ${body.message}`)
  }), { seed: FUZZ_SEED, numRuns: 400 })
  report(t, runs, runs)
})

test('empty and blank bodies - 400 JSON error, never 5xx', async (t) => {
  let count = 0
  for (const url of ['/predict', '/predict/batch']) {
    for (const [payload, code] of [['', 'EMPTY_BODY'], [' ', 'INVALID_JSON'], ['\r\n\t ', 'INVALID_JSON'], ['\u0000', 'INVALID_JSON']] as const) {
      count++
      expectError(await postRawJson(app, url, payload), 400, code)
    }
    count++
    expectClientError(await send({ method: 'POST', url }), `${url} without body or content type`)
  }
  report(t, count, count)
})

test('after the fuzzing - /health/live 200, readiness unchanged (/health/ready 200), scoring still works', async (t) => {
  assert.equal(app.readiness.state, 'ready')
  assert.equal((await send({ method: 'GET', url: '/health/live' })).statusCode, 200)
  const ready = await send({ method: 'GET', url: '/health/ready' })
  assert.equal(ready.statusCode, 200, ready.body)
  assert.equal(ready.json<{ status: string }>().status, 'ready')
  assert.equal((await postJson(app, '/predict', validCustomer())).statusCode, 200)
  report(t, 0, 4)
  t.diagnostic(`total: ${totals.cases} generated cases, ${totals.requests} requests`)
})
