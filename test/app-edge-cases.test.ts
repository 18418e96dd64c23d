// Client mistakes found by black-box testing: each gets a clear 4xx that says what is wrong.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, validCustomer } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'

let app: FastifyInstance
before(async () => { app = await buildTestApp(committedStubModel()) })
after(async () => { await app.close() })

test('POST /predict/batch - CSV in Latin-1 - 400 saying the body is not UTF-8, no silently replaced ids', async () => {
  const header = 'customerId,bookLengthAvgMinutes,bookLengthTotalMinutes,priceAvg,priceTotal,reviewed,reviewScore,completion,minutesListened,supportRequests,lastVisitDaysAfterPurchase\n'
  const latin1 = Buffer.concat([Buffer.from(header), Buffer.from('M\xfcller,1620,1620,5,5,0,,0,0,0,10\n', 'latin1')])
  const response = await app.inject({ method: 'POST', url: '/predict/batch', headers: { 'content-type': 'text/csv; charset=iso-8859-1' }, payload: latin1 })
  assert.equal(response.statusCode, 400)
  assert.equal(response.json().code, 'INVALID_CSV')
  assert.match(response.json().message, /not valid UTF-8/)
  const utf8 = await app.inject({ method: 'POST', url: '/predict/batch', headers: { 'content-type': 'text/csv' }, payload: Buffer.from(header + 'Müller,1620,1620,5,5,0,,0,0,0,10\n', 'utf8') })
  assert.equal(utf8.statusCode, 200)
  assert.equal(utf8.json().predictions[0].customerId, 'Müller')
})

test('POST /predict - JSON bodies: UTF-8 with a byte order mark and non-ASCII ids - 200, ids echoed exactly; broken UTF-8 - 400', async () => {
  const customer = { ...validCustomer(), customerId: 'Zoë-日本-😀' }
  const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(customer), 'utf8')])
  const ok = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/json' }, payload: withBom })
  assert.equal(ok.statusCode, 200, ok.body)
  assert.equal(ok.json().customerId, 'Zoë-日本-😀')
  // A lone continuation byte inside the id: must not become U+FFFD.
  const [before, after] = JSON.stringify({ ...validCustomer(), customerId: 'Zo@' }).split('@') as [string, string]
  const broken = Buffer.concat([Buffer.from(before), Buffer.from([0x80]), Buffer.from(after)])
  const refused = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/json' }, payload: broken })
  assert.equal(refused.statusCode, 400)
  assert.equal(refused.json().code, 'INVALID_JSON')
  assert.match(refused.json().message, /not valid UTF-8/)
})

test('POST /predict/batch - CSV ids with surrounding spaces, a no-break space or a BOM inside quotes - echoed exactly; a blank id cell - no id', async () => {
  const header = 'customerId,bookLengthAvgMinutes,bookLengthTotalMinutes,priceAvg,priceTotal,reviewed,reviewScore,completion,minutesListened,supportRequests,lastVisitDaysAfterPurchase\n'
  const ids = ['  sp  ', '\u00a0nbsp', '\ufeffbom']
  const rows = ids.map((id) => `"${id}",1620,1620,5,5,0,,0,0,0,10\n`).join('') + '"   ",1620,1620,5,5,0,,0,0,0,10\n'
  const response = await app.inject({ method: 'POST', url: '/predict/batch', headers: { 'content-type': 'text/csv' }, payload: Buffer.from(header + rows, 'utf8') })
  assert.equal(response.statusCode, 200, response.body)
  const predictions = response.json().predictions as Array<{ customerId?: string }>
  assert.deepEqual(predictions.map((p) => p.customerId), [...ids, undefined])
})

test('POST /predict - a 100,000-character unknown field name - named, shortened, small answer', async () => {
  const key = 'k'.repeat(100_000)
  const response = await app.inject({ method: 'POST', url: '/predict', payload: { ...validCustomer(), [key]: 1 } })
  assert.equal(response.statusCode, 400)
  assert.ok(response.body.length < 2000, `answer of ${response.body.length} bytes`)
  assert.match(response.json().message, /^k{100}\.\.\. is not an accepted field$/)
})

test('POST /predict - customerId beyond the safe integers - 400 explaining the limit and the string alternative', async () => {
  const response = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(validCustomer()).replace('"customerId":"c-1"', '"customerId":12345678901234567890') })
  assert.equal(response.statusCode, 400)
  assert.match(response.json().message, /customerId .*9007199254740991.*strings/)
  const asString = await app.inject({ method: 'POST', url: '/predict', payload: validCustomer({ customerId: '12345678901234567890' }) })
  assert.equal(asString.json().customerId, '12345678901234567890')
})
