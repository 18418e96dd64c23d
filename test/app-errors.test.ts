// Error answers through app.inject: one JSON shape, the right 4xx, no internals, request ids, request logging.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, validCustomer } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'
import {
  LogCapture, UUID, assertNoInternals, expectError, postCsv, postJson, postRawJson, sampleCustomers, toApiCsv, type Response
} from './helpers/http.js'

const predictor = committedStubModel()
const app = await buildTestApp(predictor)
const logs = new LogCapture()
const logged = await buildTestApp(predictor, { LOG_LEVEL: 'info' }, { logStream: logs })
after(async () => { await Promise.all([app.close(), logged.close()]) })

const customerJson = JSON.stringify(validCustomer())

/** customerJson with one value replaced by raw JSON text (for numbers JSON.stringify cannot write). */
function withRawValue (field: string, rawValue: string): string {
  const text = customerJson.replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${rawValue}`)
  assert.notEqual(text, customerJson, `precondition: ${field} replaced`)
  return text
}

test('POST /predict - body shorter than its Content-Length says - 400 BAD_REQUEST (not a JSON error)', async () => {
  const response = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/json', 'content-length': '10' }, payload: customerJson })
  const body = expectError(response, 400, 'BAD_REQUEST')
  assert.match(body.message, /Content-Length/)
})

test('POST /predict - malformed JSON - 400 JSON error with statusCode, error, code, message, requestId', async () => {
  const response = await postRawJson(app, '/predict', '{"completion": 0.5,')
  const body = expectError(response, 400, 'INVALID_JSON')
  assert.equal(body.error, 'Bad Request')
  assert.match(body.requestId, UUID)
})

test('POST /predict - empty JSON body - 400', async () => {
  expectError(await postRawJson(app, '/predict', ''), 400)
})

test('POST /predict and /predict/batch - text/plain - 415 naming the content type', async () => {
  for (const url of ['/predict', '/predict/batch']) {
    const response = await app.inject({ method: 'POST', url, payload: customerJson, headers: { 'content-type': 'text/plain' } })
    const body = expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE')
    assert.match(body.message, /text\/plain/)
  }
})

test('POST /predict - well-formed CSV batch as text/csv - 415 (CSV is for the batch route only)', async () => {
  const body = expectError(await postCsv(app, '/predict', toApiCsv(sampleCustomers(2))), 415, 'UNSUPPORTED_MEDIA_TYPE')
  assert.match(body.message, /text\/csv/)
})

test('POST /predict - any text/csv body, even one that is not a valid batch - 415', async () => {
  for (const text of ['customerId,completion\nc-1,0\n', '']) {
    const body = expectError(await postCsv(app, '/predict', text), 415, 'UNSUPPORTED_MEDIA_TYPE')
    assert.match(body.message, /text\/csv/)
  }
})

test('POST /predict and /predict/batch - other or missing content types - 415', async () => {
  for (const [url, type] of [['/predict', 'application/xml'], ['/predict/batch', 'application/xml'], ['/predict', 'application/x-www-form-urlencoded']]) {
    expectError(await app.inject({ method: 'POST', url, payload: 'a=1', headers: { 'content-type': type as string } }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  }
  expectError(await app.inject({ method: 'POST', url: '/predict', payload: customerJson }), 415, 'UNSUPPORTED_MEDIA_TYPE')
})

test('unknown route - 404 JSON naming the method and path', async () => {
  const get = expectError(await app.inject({ method: 'GET', url: '/predictions?x=1' }), 404, 'NOT_FOUND')
  assert.match(get.message, /GET \/predictions/)
  expectError(await postJson(app, '/predict/many', { customers: [] }), 404, 'NOT_FOUND')
})

test('GET /predict and GET /predict/batch - 405 with Allow: POST', async () => {
  for (const url of ['/predict', '/predict/batch']) {
    const response = await app.inject({ method: 'GET', url })
    const body = expectError(response, 405, 'METHOD_NOT_ALLOWED')
    assert.equal(response.headers.allow, 'POST')
    assert.match(body.message, /POST/)
  }
})

test('DELETE /model - 405 with an Allow header listing GET', async () => {
  const response = await app.inject({ method: 'DELETE', url: '/model' })
  expectError(response, 405, 'METHOD_NOT_ALLOWED')
  assert.ok(String(response.headers.allow).split(/,\s*/).includes('GET'), String(response.headers.allow))
})

test('POST /predict and /predict/batch - __proto__ and constructor.prototype keys - 400, nothing polluted', async () => {
  const bodies: Array<[string, string]> = [
    ['/predict', '{"__proto__": {"polluted": true}}'],
    ['/predict', JSON.stringify(validCustomer()).replace('{', '{"__proto__": {"polluted": true},')],
    ['/predict', '{"constructor": {"prototype": {"polluted": true}}}'],
    ['/predict/batch', '{"customers": [{"__proto__": {"polluted": true}}]}'],
    ['/predict/batch?partial=true', '{"customers": [{"constructor": {"prototype": {"polluted": true}}}]}']
  ]
  for (const [url, text] of bodies) {
    const body = expectError(await postRawJson(app, url, text), 400)
    assert.ok(body.code === 'INVALID_JSON' || body.code === 'VALIDATION_FAILED', body.code)
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

// The parser skips secure-json-parse's scan when the bytes cannot hold the keys: escaped spellings
// and keys among underscores elsewhere must still be found, and the words as values must still pass.
test('POST /predict - prototype keys spelled with escapes or next to other underscores - 400 naming the key; the words as values - 200', async () => {
  const customer = JSON.stringify(validCustomer({ customerId: 'has_underscore' }))
  const forbidden: Array<[string, string]> = [
    [customer.replace('{', '{"\\u005f\\u005fproto\\u005f\\u005f": {"polluted": true},'), '__proto__'],
    [customer.replace('{', '{"__proto__": {"polluted": true},'), '__proto__'],
    [customer.replace('{', '{"constr\\u0075ctor": {"prototype": {"polluted": true}},'), 'constructor.prototype'],
    [JSON.stringify(validCustomer()).replace('{', '{"constructor": {"prototype": {"polluted": true}},'), 'constructor.prototype']
  ]
  for (const [text, key] of forbidden) {
    const body = expectError(await postRawJson(app, '/predict', text), 400, 'INVALID_JSON')
    assert.match(body.message, new RegExp(`forbidden "${key.replace('.', '\\.')}" key`), text.slice(0, 80))
  }
  for (const id of ['constructor', '__proto__', 'a\\b']) {
    const response = await postRawJson(app, '/predict', JSON.stringify(validCustomer({ customerId: id })))
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.json().customerId, id)
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('POST /predict - deeply nested values - 4xx, not 500', async () => {
  const depth = 50_000
  const texts = [
    `{"customerId":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    customerJson.replace('}', `,"extra":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`)
  ]
  for (const text of texts) {
    const response = await postRawJson(app, '/predict', text)
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${response.statusCode}: ${response.body.slice(0, 200)}`)
    assertNoInternals(response.body)
  }
  const batch = await postRawJson(app, '/predict/batch', `{"customers":[${'['.repeat(depth)}${']'.repeat(depth)}]}`)
  expectError(batch, 400)
})

test('POST /predict - 1e400 and -1e400 in number fields - 400 naming the field', async () => {
  for (const [field, raw] of [['completion', '1e400'], ['priceAvg', '1e400'], ['minutesListened', '-1e400'], ['reviewScore', '1e400'], ['supportRequests', '1e400']]) {
    const body = expectError(await postRawJson(app, '/predict', withRawValue(field as string, raw as string)), 400, 'VALIDATION_FAILED')
    assert.ok(body.message.startsWith(`${field} `), `${field}=${raw}: ${body.message}`)
  }
})

test('POST /predict and /predict/batch - customerId 1e400 - 400 naming customerId', async () => {
  const single = expectError(await postRawJson(app, '/predict', withRawValue('customerId', '1e400')), 400)
  assert.match(single.message, /^customerId /)
  const batch = expectError(await postRawJson(app, '/predict/batch', `{"customers":[${withRawValue('customerId', '-1e400')}]}`), 400)
  assert.match(batch.message, /^customers\/0\/customerId /)
})

test('error answers - malformed input of every kind - no stack trace or file path in any body', async () => {
  const responses: Response[] = [
    await postRawJson(app, '/predict', '{'),
    await postRawJson(app, '/predict', '{"__proto__": {}}'),
    await postRawJson(app, '/predict', withRawValue('customerId', '1e400')), // today a 500: must still hide internals
    await postRawJson(app, '/predict/batch', `{"customers":[${withRawValue('customerId', '1e400')}]}`),
    await postJson(app, '/predict', validCustomer({ completion: 7 })),
    await postJson(app, '/predict?threshold=x', validCustomer()),
    await postCsv(app, '/predict/batch', 'a,b\n1,2\n'),
    await postCsv(app, '/predict/batch', '"unterminated\n'),
    await app.inject({ method: 'POST', url: '/predict', payload: 'x', headers: { 'content-type': 'text/plain' } }),
    await app.inject({ method: 'GET', url: '/nowhere' }),
    await app.inject({ method: 'PATCH', url: '/predict' })
  ]
  for (const response of responses) {
    assert.ok(response.statusCode >= 400, response.body)
    assertNoInternals(response.body)
    const body = response.json<{ requestId?: string, message?: string }>()
    assert.equal(body.requestId, response.headers['x-request-id'])
    assert.equal(typeof body.message, 'string')
  }
})

test('x-request-id - plain incoming id - echoed in the header and the error body', async () => {
  const response = await postJson(app, '/predict', validCustomer({ completion: 3 }), { 'x-request-id': 'req-42.a:b_c' })
  assert.equal(response.headers['x-request-id'], 'req-42.a:b_c')
  assert.equal(expectError(response, 400).requestId, 'req-42.a:b_c')
  const ok = await postJson(app, '/predict', validCustomer(), { 'x-request-id': 'req-43' })
  assert.equal(ok.statusCode, 200)
  assert.equal(ok.headers['x-request-id'], 'req-43')
})

test('x-request-id - 200 characters - kept; 201 characters - replaced', async () => {
  const kept = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'a'.repeat(200) } })
  assert.equal(kept.headers['x-request-id'], 'a'.repeat(200))
  const replaced = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'a'.repeat(201) } })
  assert.match(String(replaced.headers['x-request-id']), UUID)
})

test('x-request-id - tracing formats and other visible ASCII - kept as sent', async () => {
  for (const incoming of ['Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1', 'a+b/c==', 'a@b', 'x"}{"level":60']) {
    const response = await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': incoming } })
    assert.equal(response.headers['x-request-id'], incoming)
  }
})

test('x-request-id - spaces, control characters, non-ASCII - replaced by a generated id', async () => {
  for (const incoming of ['abc 123', 'abc\tinjected', 'caf\u00e9']) {
    const response = await postJson(app, '/predict', validCustomer({ completion: 3 }), { 'x-request-id': incoming })
    const id = String(response.headers['x-request-id'])
    assert.notEqual(id, incoming)
    assert.match(id, UUID, JSON.stringify(incoming))
    assert.equal(expectError(response, 400).requestId, id)
  }
})

test('x-request-id - none sent - a fresh id per request', async () => {
  const a = await app.inject({ method: 'GET', url: '/health/live' })
  const b = await app.inject({ method: 'GET', url: '/health/live' })
  assert.match(String(a.headers['x-request-id']), UUID)
  assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id'])
})

test('request log - POST /predict at info - exactly one request line with id, route, status, duration and no customer data', async () => {
  const id = 'log-predict-1'
  const response = await postJson(logged, '/predict', validCustomer({ customerId: 'secret-customer-77' }), { 'x-request-id': id })
  assert.equal(response.statusCode, 200)
  await logs.waitFor((l) => l.requestId === id && l.msg === 'request')
  const lines = logs.lines().filter((l) => l.requestId === id)
  const requestLines = lines.filter((l) => l.msg === 'request')
  assert.equal(requestLines.length, 1, JSON.stringify(lines))
  const line = requestLines[0] as Record<string, unknown>
  assert.equal(line.route, '/predict')
  assert.equal(line.method, 'POST')
  assert.equal(line.statusCode, 200)
  assert.equal(typeof line.durationMs, 'number')
  assert.ok((line.durationMs as number) >= 0)
  assert.equal(line.level, 30)
  assert.doesNotMatch(logs.text, /secret-customer-77/)
})

test('request log - rejected batch and malformed JSON at info - one line each with the status, no customer data', async () => {
  const customers = sampleCustomers(3).map((c, i) => ({ ...c, customerId: `secret-customer-${i}`, completion: i === 1 ? 5 : c.completion }))
  await postJson(logged, '/predict/batch', { customers }, { 'x-request-id': 'log-batch-1' })
  await postRawJson(logged, '/predict', '{"customerId":"secret-customer-9",', { 'x-request-id': 'log-bad-json-1' })
  for (const [id, status, route] of [['log-batch-1', 400, '/predict/batch'], ['log-bad-json-1', 400, '/predict']] as const) {
    await logs.waitFor((l) => l.requestId === id && l.msg === 'request')
    const requestLines = logs.lines().filter((l) => l.requestId === id && l.msg === 'request')
    assert.equal(requestLines.length, 1)
    assert.equal(requestLines[0]?.statusCode, status)
    assert.equal(requestLines[0]?.route, route)
  }
  assert.doesNotMatch(logs.text, /secret-customer/)
})

test('request log - forged x-request-id - cannot add or break log lines', async () => {
  const forged = 'x"}\n{"level":60,"msg":"forged'
  await logged.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': forged } })
  await logs.waitFor((l) => l.route === '/health/live')
  const lines = logs.lines() // throws if any line is not JSON
  assert.ok(lines.every((l) => l.msg !== 'forged' && l.level !== 60))
})

test('GET /%ZZ (malformed URL, refused before routing) - 400 BAD_URL with the x-request-id header, one log line and a duration sample', async () => {
  const response = await logged.inject({ method: 'GET', url: '/%ZZ', headers: { 'x-request-id': 'bad-url-1' } })
  const body = expectError(response, 400, 'BAD_URL')
  assert.equal(body.requestId, 'bad-url-1')
  assert.equal(response.headers['x-request-id'], 'bad-url-1')
  await logs.waitFor((l) => l.requestId === 'bad-url-1' && l.msg === 'request')
  const lines = logs.lines().filter((l) => l.requestId === 'bad-url-1' && l.msg === 'request')
  assert.equal(lines.length, 1)
  assert.equal(lines[0]?.statusCode, 400)
  const metrics = await logged.inject({ method: 'GET', url: '/metrics' })
  assert.match(metrics.body, /^http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="400"\} [1-9]/m)
})

test('query numbers - blank, hexadecimal or binary text (?threshold=%20, ?budget=0x10) - 400 naming the parameter, never read as 0 or 16; decimal forms accepted', async () => {
  for (const [url, param] of [['/predict?threshold=%20', 'threshold'], ['/predict?threshold=%09', 'threshold'], ['/predict?threshold=0x1', 'threshold'],
    ['/predict?threshold=0b1', 'threshold'], ['/predict/batch?budget=%20', 'budget'], ['/predict/batch?budget=0x10', 'budget'],
    ['/predict/batch?contactCost=%20&conversionValue=15', 'contactCost']] as const) {
    const payload = url.startsWith('/predict/batch') ? { customers: [validCustomer()] } : validCustomer()
    const response = await app.inject({ method: 'POST', url, payload })
    assert.equal(response.statusCode, 400, url)
    assert.match(response.json().message, new RegExp(`querystring/${param} must be`), url)
  }
  for (const [value, expected] of [['0.3', 0.3], ['1e-1', 0.1], ['.5', 0.5], ['+0.25', 0.25]] as const) {
    const response = await app.inject({ method: 'POST', url: `/predict?threshold=${encodeURIComponent(value)}`, payload: validCustomer() })
    assert.equal(response.statusCode, 200, value)
    assert.equal(response.json().threshold, expected)
  }
})
