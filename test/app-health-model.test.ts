// GET /health/live, GET /health/ready (the readiness lifecycle) and GET /model (the model card).
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import { buildTestApp, validCustomer } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'
import { postJson } from './helpers/http.js'

interface CardJson {
  version: string
  createdAt: string
  threshold: number
  baseRate: number
  features: Array<{ name: string, unit: string, mean: number, std: number, min: number, max: number }>
  metrics: { test: { rocAuc: number }, validation: { rocAuc: number } }
  featureImportance: Array<{ field: string, aucDrop: number }>
}

const predictor = committedStubModel()
const app = await buildTestApp(predictor)
after(async () => { await app.close() })

async function get (url: string): Promise<{ status: number, body: Record<string, unknown> }> {
  const response = await app.inject({ method: 'GET', url })
  assert.match(String(response.headers['content-type']), /^application\/json/)
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() }
}

// One test: the steps share one app's readiness, in order.
test('GET /health/ready and /health/live - starting, ready, draining - 503, 200, 503 while live stays 200', async () => {
  assert.equal(app.readiness.state, 'starting', 'precondition: a new app is starting')
  assert.deepEqual(await get('/health/ready'), { status: 503, body: { status: 'starting' } })
  assert.deepEqual(await get('/health/live'), { status: 200, body: { status: 'ok' } })

  app.readiness.markReady()
  assert.deepEqual(await get('/health/ready'), { status: 200, body: { status: 'ready', modelVersion: predictor.version } })
  assert.deepEqual(await get('/health/live'), { status: 200, body: { status: 'ok' } })

  app.readiness.markDraining()
  assert.deepEqual(await get('/health/ready'), { status: 503, body: { status: 'draining' } })
  assert.deepEqual(await get('/health/live'), { status: 200, body: { status: 'ok' } })

  app.readiness.markReady()
  assert.equal((await get('/health/ready')).status, 503, 'never ready again once draining')
  const scored = await postJson(app, '/predict', validCustomer())
  assert.equal(scored.statusCode, 200, 'draining refuses new traffic at the balancer, not in-flight requests')
})

test('GET /model - model card - version and threshold of the served model', async () => {
  const { status, body } = await get('/model')
  assert.equal(status, 200)
  const card = body as unknown as CardJson
  assert.equal(card.version, predictor.version)
  assert.equal(card.threshold, predictor.threshold)
  assert.ok(card.threshold > 0 && card.threshold < 1)
  assert.ok(!Number.isNaN(Date.parse(card.createdAt)), card.createdAt)
  const scored = (await postJson(app, '/predict', validCustomer())).json<{ threshold: number, modelVersion: string }>()
  assert.equal(scored.threshold, card.threshold)
  assert.equal(scored.modelVersion, card.version)
})

test('GET /model - base rate - a share between 0 and 1 (README: about 16%)', async () => {
  const card = (await get('/model')).body as unknown as CardJson
  assert.ok(card.baseRate > 0.05 && card.baseRate < 0.5, String(card.baseRate))
})

test('GET /model - features - every customer field, in schema order, each with a unit and statistics', async () => {
  const card = (await get('/model')).body as unknown as CardJson
  assert.deepEqual(card.features.map((f) => f.name), CUSTOMER_FIELDS.map((f) => f.name))
  for (const feature of card.features) {
    const spec = CUSTOMER_FIELDS.find((f) => f.name === feature.name)
    assert.equal(feature.unit, spec?.unit, feature.name)
    assert.ok(feature.unit.length > 0)
    for (const key of ['mean', 'std', 'min', 'max'] as const) assert.equal(typeof feature[key], 'number', `${feature.name}.${key}`)
    assert.ok(feature.min <= feature.mean && feature.mean <= feature.max, feature.name)
  }
})

test('GET /model - metrics - test ROC AUC better than chance', async () => {
  const card = (await get('/model')).body as unknown as CardJson
  assert.equal(typeof card.metrics.test.rocAuc, 'number')
  assert.ok(card.metrics.test.rocAuc > 0.5 && card.metrics.test.rocAuc <= 1, String(card.metrics.test.rocAuc))
})

test('GET /model - feature importance - one entry per known field', async () => {
  const card = (await get('/model')).body as unknown as CardJson
  const names = new Set<string>(CUSTOMER_FIELDS.map((f) => f.name))
  assert.ok(card.featureImportance.length > 0)
  for (const entry of card.featureImportance) {
    assert.ok(names.has(entry.field), entry.field)
    assert.equal(typeof entry.aucDrop, 'number')
  }
  assert.equal(new Set(card.featureImportance.map((e) => e.field)).size, card.featureImportance.length, 'no field twice')
})

test('GET /model - the committed model - states the three data quirks with their counts, and cross-validated metrics', async () => {
  const card = (await get('/model')).body as unknown as CardJson & {
    dataQuirks?: Array<{ id: string, finding: string, meaning: string }>
    metrics: { crossValidation?: { folds: number, outOfFold: { rocAuc: number, rows: number } } }
  }
  assert.deepEqual(card.dataQuirks?.map((q) => q.id), ['listened-never-bought', 'several-books-bought-again', 'non-reviewer-score-bought-again'])
  for (const quirk of card.dataQuirks ?? []) {
    assert.match(quirk.finding, /\d/, `${quirk.id} gives its counts`)
    assert.ok(quirk.meaning.length > 40, quirk.id)
  }
  assert.match(card.dataQuirks?.[0]?.meaning ?? '', /not a bug/)
  const cv = card.metrics.crossValidation
  assert.ok(cv !== undefined && cv.folds >= 2 && cv.outOfFold.rows > 0 && cv.outOfFold.rocAuc > 0.5, JSON.stringify(cv))
})

test('GET /model - request id - echoed like on every route', async () => {
  const response = await app.inject({ method: 'GET', url: '/model', headers: { 'x-request-id': 'model-1' } })
  assert.equal(response.statusCode, 200)
  assert.equal(response.headers['x-request-id'], 'model-1')
})
