// Counts in user-facing text agree with their number: "1 customer", "2 customers", in the helper and in
// the messages and API text that print a limit or a row count (MAX_BATCH=1 is a valid setting).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { counted } from '../src/domain/counted.js'
import { CUSTOMER_FIELDS, type Customer } from '../src/domain/customer.js'
import { buildTestApp, validCustomer } from './helpers/app.js'
import { postCsv, postJson } from './helpers/http.js'
import { committedStubModel } from './helpers/stub-model.js'

test('counted - 0, 1, 2 and an irregular plural - singular for exactly 1', () => {
  assert.equal(counted(0, 'row'), '0 rows')
  assert.equal(counted(1, 'row'), '1 row')
  assert.equal(counted(2, 'customer'), '2 customers')
  assert.equal(counted(1, 'data row'), '1 data row')
  assert.equal(counted(3, 'child', 'children'), '3 children')
})

let app: FastifyInstance
before(async () => { app = await buildTestApp(committedStubModel(), { MAX_BATCH: '1' }) })
after(async () => { await app.close() })

/** One tensor per customer field, one value per customer (as the Open Inference Protocol sends them). */
function tensors (customers: readonly Customer[]): Array<{ name: string, shape: number[], datatype: string, data: unknown[] }> {
  const rows = customers as unknown as ReadonlyArray<Record<string, unknown>>
  return CUSTOMER_FIELDS.map((f) => ({
    name: f.name,
    shape: [customers.length],
    datatype: f.type === 'boolean' ? 'BOOL' : f.type === 'integer' ? 'INT64' : 'FP64',
    data: rows.map((c) => c[f.name])
  }))
}

const NOT_ONE_PLURAL = /\b1 [a-z ]*(customers|rows)\b/

test('MAX_BATCH=1 - a 2-row CSV batch - 413 says "the limit of 1 customer"', async () => {
  const csv = 'bookLengthAvgMinutes,bookLengthTotalMinutes,priceAvg,priceTotal,reviewed,reviewScore,completion,minutesListened,supportRequests,lastVisitDaysAfterPurchase\n' +
    '1620,1620,9.5,9.5,true,9,0,0,0,45\n'.repeat(2)
  const response = await postCsv(app, '/predict/batch', csv)
  assert.equal(response.statusCode, 413)
  const message = response.json<{ message: string }>().message
  assert.match(message, /the CSV has 2 data rows, more than the limit of 1 customer per batch/)
  assert.doesNotMatch(message, NOT_ONE_PLURAL)
})

test('MAX_BATCH=1 - 2 customers through /v2 infer - 413 says "the limit of 1 customer"', async () => {
  const response = await postJson(app, '/v2/models/buy-again/infer', { inputs: tensors([validCustomer(), validCustomer()]) })
  assert.equal(response.statusCode, 413)
  const error = response.json<{ error: string }>().error
  assert.match(error, /the tensors have 2 rows, more than the limit of 1 customer \(MAX_BATCH\)/)
  assert.doesNotMatch(error, NOT_ONE_PLURAL)
})

test('/v2 infer - a tensor of 1 value beside tensors of 2 - 400 says "has 1 row"', async () => {
  const big = await buildTestApp(committedStubModel(), { MAX_BATCH: '10' })
  try {
    const inputs = tensors([validCustomer(), validCustomer()]).map((t) => t.name === 'priceTotal' ? { ...t, shape: [1], data: t.data.slice(0, 1) } : t)
    const response = await postJson(big, '/v2/models/buy-again/infer', { inputs })
    assert.equal(response.statusCode, 400)
    const error = response.json<{ error: string }>().error
    assert.match(error, /has 1 row but input \w+ has 2/)
    assert.doesNotMatch(error, NOT_ONE_PLURAL)
  } finally {
    await big.close()
  }
})

test('MAX_BATCH=1 - the OpenAPI text of the batch routes - "Scores up to 1 customer"', async () => {
  const text = (await app.inject({ method: 'GET', url: '/openapi.json' })).body
  assert.match(text, /Scores up to 1 customer \(MAX_BATCH\)/)
  assert.doesNotMatch(text, /Scores up to 1 customers/)
})
