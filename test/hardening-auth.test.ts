// API keys (API_KEYS): which routes need `Authorization: Bearer <key>`, what every wrong credential
// gets (401 + WWW-Authenticate), which routes stay open, and that no key ever reaches the logs.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildTestApp, validCustomer } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'
import { FUZZ_SEED } from './helpers/generators.js'
import { LogCapture, expectError, sampleCustomers, toApiCsv, type Response } from './helpers/http.js'

const KEY_ONE = 'k1-Zq8vT3mW9xLr2Hc5Ny7P'
const KEY_TWO = 'k2-Bd4Fs6Gj8Kl0Qw2Er4Ty'

const predictor = committedStubModel()
const logs = new LogCapture()
// Trace logging, captured: every test below also feeds the redaction check at the end of the file.
const keyed = await buildTestApp(predictor, { API_KEYS: `${KEY_ONE}, ${KEY_TWO}`, LOG_LEVEL: 'trace' }, { logStream: logs })
const open = await buildTestApp(predictor)
keyed.readiness.markReady()
open.readiness.markReady()
after(async () => { await Promise.all([keyed.close(), open.close()]) })

type Call = Pick<InjectOptions, 'method' | 'url' | 'payload' | 'headers'>

/** One request per protected route (and form), each valid apart from the credentials. */
const PROTECTED: ReadonlyArray<[string, Call]> = [
  ['POST /predict', { method: 'POST', url: '/predict', payload: validCustomer(), headers: { 'content-type': 'application/json' } }],
  ['POST /predict/batch (JSON)', { method: 'POST', url: '/predict/batch', payload: { customers: sampleCustomers(3) }, headers: { 'content-type': 'application/json' } }],
  ['POST /predict/batch (CSV)', { method: 'POST', url: '/predict/batch', payload: toApiCsv(sampleCustomers(3)), headers: { 'content-type': 'text/csv' } }],
  ['GET /model', { method: 'GET', url: '/model' }],
  ['HEAD /model', { method: 'HEAD', url: '/model' }],
  ['GET /model/report', { method: 'GET', url: '/model/report' }],
  ['GET /models', { method: 'GET', url: '/models' }],
  ['GET /model/drift', { method: 'GET', url: '/model/drift' }]
]

async function call (app: FastifyInstance, request: Call, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { ...(request.headers as Record<string, string> | undefined) }
  if (authorization !== undefined) headers.authorization = authorization
  return await app.inject({ ...request, headers } as InjectOptions)
}

function expectUnauthorized (response: Response, context: string): void {
  assert.equal(response.statusCode, 401, `${context}: ${response.statusCode} ${response.body.slice(0, 200)}`)
  assert.equal(response.headers['www-authenticate'], 'Bearer', `${context}: WWW-Authenticate`)
  // HEAD answers carry no body; every other 401 is the JSON error.
  if (response.body !== '') expectError(response, 401, 'UNAUTHORIZED')
}

test('API_KEYS set - each key, as Authorization: Bearer <key>, opens /predict, /predict/batch (JSON and CSV) and /model', async () => {
  for (const key of [KEY_ONE, KEY_TWO]) {
    for (const [label, request] of PROTECTED) {
      const response = await call(keyed, request, `Bearer ${key}`)
      assert.equal(response.statusCode, 200, `${label} with ${key.slice(0, 3)}...: ${response.body.slice(0, 200)}`)
    }
  }
})

/** Credentials that must never pass: none, malformed, prefixes, extensions, other schemes. */
const REJECTED: ReadonlyArray<[string, string | undefined]> = [
  ['no header', undefined],
  ['empty header', ''],
  ['scheme only', 'Bearer'],
  ['scheme and a space', 'Bearer '],
  ['wrong key', 'Bearer k1-wrongwrongwrongwrong'],
  ['prefix of key one', `Bearer ${KEY_ONE.slice(0, -1)}`],
  ['16-char prefix of key two', `Bearer ${KEY_TWO.slice(0, 16)}`],
  ['key one plus a character', `Bearer ${KEY_ONE}x`],
  ['both keys joined', `Bearer ${KEY_ONE}${KEY_TWO}`],
  ['both keys, comma', `Bearer ${KEY_ONE},${KEY_TWO}`],
  ['both keys, space', `Bearer ${KEY_ONE} ${KEY_TWO}`],
  ['key upper-cased', `Bearer ${KEY_ONE.toUpperCase()}`],
  ['key quoted', `Bearer "${KEY_ONE}"`],
  ['key without scheme', KEY_ONE],
  ['Basic with the key as password', `Basic ${Buffer.from(`user:${KEY_ONE}`).toString('base64')}`],
  ['Basic with the raw key', `Basic ${KEY_ONE}`],
  ['Token scheme', `Token ${KEY_ONE}`],
  ['scheme glued to key', `Bearer${KEY_ONE}`]
]

test('API_KEYS set - missing, wrong, prefix, longer, Basic and other credentials - 401 UNAUTHORIZED JSON with WWW-Authenticate on every protected route', async () => {
  for (const [label, authorization] of REJECTED) {
    for (const [route, request] of PROTECTED) expectUnauthorized(await call(keyed, request, authorization), `${route}, ${label}`)
  }
})

test('API_KEYS set - generated credentials - 401 unless exactly "Bearer <a key>"', async (t) => {
  let runs = 0
  const credential = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ minLength: 1, maxLength: 40 }).map((s) => `Bearer ${s}`),
    fc.constantFrom(KEY_ONE, KEY_TWO).chain((key) => fc.tuple(fc.nat({ max: key.length }), fc.string({ maxLength: 4 }))
      .map(([cut, tail]) => `Bearer ${key.slice(0, cut)}${tail}`))
  ).filter((c) => {
    // RFC 6750/7235: the scheme is case-insensitive and followed by spaces; those spellings of a real key are valid.
    const presented = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(c)?.[1]
    return presented !== KEY_ONE && presented !== KEY_TWO
  })
  await fc.assert(fc.asyncProperty(credential, fc.constantFrom(...PROTECTED), async (authorization, [route, request]) => {
    runs++
    expectUnauthorized(await call(keyed, request, authorization), `${route}, ${JSON.stringify(authorization)}`)
  }), { seed: FUZZ_SEED, numRuns: 300 })
  t.diagnostic(`${runs} generated credentials`)
})

test('API_KEYS set - no key and a bad body, an oversized batch or a wrong content type - 401 before any parsing', async () => {
  const cases: Call[] = [
    { method: 'POST', url: '/predict', payload: '{"completion":', headers: { 'content-type': 'application/json' } },
    { method: 'POST', url: '/predict/batch', payload: { customers: Array.from({ length: 10_001 }, () => ({})) }, headers: { 'content-type': 'application/json' } },
    { method: 'POST', url: '/predict', payload: '<customer/>', headers: { 'content-type': 'application/xml' } },
    { method: 'POST', url: '/predict?threshold=7', payload: validCustomer(), headers: { 'content-type': 'application/json' } }
  ]
  for (const request of cases) expectUnauthorized(await call(keyed, request), `${String(request.method)} ${String(request.url)}`)
})

test('API_KEYS set - other spellings of the protected paths (trailing slash, percent-encoding, query) - 401 without a key', async () => {
  const spellings: Call[] = [
    { method: 'GET', url: '/model/' },
    { method: 'GET', url: '/mode%6c' },
    { method: 'GET', url: '/model?x=1' },
    { method: 'POST', url: '/predict/', payload: validCustomer(), headers: { 'content-type': 'application/json' } },
    { method: 'POST', url: '/predict/batch/', payload: { customers: sampleCustomers(1) }, headers: { 'content-type': 'application/json' } },
    { method: 'POST', url: '/%70redict', payload: validCustomer(), headers: { 'content-type': 'application/json' } }
  ]
  for (const request of spellings) {
    const response = await call(keyed, request)
    assert.notEqual(response.statusCode, 200, `${String(request.url)} answered 200 without a key`)
    if (response.statusCode !== 404) expectUnauthorized(response, String(request.url))
  }
})

test('API_KEYS set - probes, /metrics, /docs and /openapi.* stay open, with or without (wrong) credentials', async () => {
  for (const url of ['/health/live', '/health/ready', '/metrics', '/docs', '/docs/', '/openapi.json', '/openapi.yaml']) {
    for (const authorization of [undefined, 'Bearer k1-wrongwrongwrongwrong', 'Basic Zm9vOmJhcg==']) {
      const response = await call(keyed, { method: 'GET', url }, authorization)
      assert.ok(response.statusCode === 200 || response.statusCode === 302, `${url} with ${String(authorization)}: ${response.statusCode}`)
      assert.equal(response.headers['www-authenticate'], undefined, url)
    }
  }
})

test('API_KEYS unset - /predict, /predict/batch and /model need no credentials and ignore any sent', async () => {
  for (const [label, request] of PROTECTED) {
    for (const authorization of [undefined, `Bearer ${KEY_ONE}`, 'Basic Zm9vOmJhcg==', 'garbage']) {
      const response = await call(open, request, authorization)
      assert.equal(response.statusCode, 200, `${label} with ${String(authorization)}: ${response.body.slice(0, 200)}`)
      assert.equal(response.headers['www-authenticate'], undefined)
    }
  }
})

test('API_KEYS set, LOG_LEVEL=trace - valid and invalid keys and client errors - no key string in any log line', async (t) => {
  const statuses: number[] = []
  const send = async (request: Call, authorization: string): Promise<void> => { statuses.push((await call(keyed, request, authorization)).statusCode) }
  for (const key of [KEY_ONE, KEY_TWO]) {
    for (const [, request] of PROTECTED) {
      await send(request, `Bearer ${key}`)
      await send(request, `Bearer ${key}x`) // invalid, contains the key
      await send(request, `Basic ${key}`)
    }
    // A key in the wrong place (query string): a 400 that is logged at debug.
    await send({ method: 'POST', url: `/predict?apiKey=${key}`, payload: validCustomer(), headers: { 'content-type': 'application/json' } }, `Bearer ${key}`)
    // A body that is not JSON: its client-error line (debug) must not carry the key either.
    await send({ method: 'POST', url: '/predict', payload: `{"apiKey": "${key}"`, headers: { 'content-type': 'application/json' } }, `Bearer ${key}`)
  }
  await logs.waitFor((line) => line.statusCode === 400)
  await logs.waitFor((line) => line.statusCode === 401)
  t.diagnostic(`statuses sent: ${JSON.stringify(Object.fromEntries([...new Set(statuses)].map((s) => [s, statuses.filter((x) => x === s).length])))}; ${logs.lines().length} log lines captured`)
  assert.ok(logs.lines().length > 50, 'the logs were captured')
  const text = logs.text
  for (const key of [KEY_ONE, KEY_TWO]) {
    assert.ok(!text.includes(key), `key ${key.slice(0, 3)}... appears in the logs`)
    // Nor in a recognisable encoding.
    assert.ok(!text.includes(Buffer.from(key).toString('base64')), 'base64 of a key appears in the logs')
    assert.ok(!text.includes(encodeURIComponent(key)), 'URL-encoded key appears in the logs')
  }
})
