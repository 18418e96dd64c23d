// GET /model/drift and the buy_again_drift_* metrics: the window fills from both scoring routes (current
// version only), restarts on a swap, needs the API key, and says clearly when the card has no reference.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { ModelCard } from '../src/artefact/model-card.js'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import { ModelHolder } from '../src/model/model-holder.js'
import type { ServingModel } from '../src/model/serving-model.js'
import { buildTestApp, testVersions, validCustomer } from './helpers/app.js'
import { expectError, postCsv, postJson, sampleCustomers, toApiCsv } from './helpers/http.js'
import { makeModelsRoot } from './helpers/model-versions.js'
import { committedStubModel } from './helpers/stub-model.js'

const FIELDS = CUSTOMER_FIELDS.map((f) => f.name)
const KEY = 'drift-key-0123456789abcdef'

interface DriftJson {
  modelVersion: string
  window: number
  capacity: number
  baseRate: number
  meanProbability: number | null
  features: Record<string, { psi: number | null, bins: Array<{ lower: number | null, upper: number | null, trainingShare: number, windowShare: number }>, missing?: { trainingShare: number, windowShare: number } }>
}

/** The stand-in model under another version name (its card says so too). */
function renamed (model: ServingModel, version: string, card: Partial<ModelCard> = {}): ServingModel {
  return { ...model, version, card: { ...model.card, ...card, version } }
}

const apps: FastifyInstance[] = []
after(async () => { await Promise.all(apps.map(async (app) => await app.close())) })

async function appWith (model: ServingModel | ModelHolder, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildTestApp(model, env)
  apps.push(app)
  return app
}

async function drift (app: FastifyInstance, headers: Record<string, string> = {}): Promise<DriftJson> {
  const response = await app.inject({ method: 'GET', url: '/model/drift', headers })
  assert.equal(response.statusCode, 200, response.body)
  return response.json<DriftJson>()
}

/** The buy_again_drift_* samples (prom-client writes NaN as "Nan", which Prometheus parses). */
async function metricLines (app: FastifyInstance): Promise<string[]> {
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  return response.body.split('\n').filter((line) => line.startsWith('buy_again_drift_'))
}

const model = committedStubModel()

test('GET /model/drift - committed card, nothing scored - every field with its training bins, an empty window', async () => {
  const app = await appWith(model, { DRIFT_WINDOW: '500' })
  const body = await drift(app)
  assert.equal(body.modelVersion, model.version)
  assert.equal(body.window, 0)
  assert.equal(body.capacity, 500)
  assert.equal(body.baseRate, model.card.baseRate)
  assert.equal(body.meanProbability, null)
  assert.deepEqual(Object.keys(body.features), FIELDS)
  for (const reference of model.card.inputDistribution?.fields ?? assert.fail('the committed card has no inputDistribution: retrain (npm run train)')) {
    const feature = body.features[reference.field]
    assert.ok(feature !== undefined, reference.field)
    assert.equal(feature.psi, null)
    assert.deepEqual(feature.bins.map((b) => b.trainingShare), reference.shares)
    assert.deepEqual(feature.bins.slice(1).map((b) => b.lower), reference.cuts)
    assert.equal(feature.bins[0]?.lower, null)
    assert.equal(feature.bins.at(-1)?.upper, null)
    assert.ok(feature.bins.every((b) => b.windowShare === 0))
  }
  assert.equal(body.features.reviewScore?.missing?.windowShare, 0)
})

test('GET /model/drift - after POST /predict and /predict/batch (JSON and CSV) - the window holds the last DRIFT_WINDOW customers and their mean probability', async () => {
  const app = await appWith(model, { DRIFT_WINDOW: '500' })
  const single = await postJson(app, '/predict', validCustomer())
  assert.equal(single.statusCode, 200, single.body)
  const customers = sampleCustomers(300, 11)
  const batch = await postJson(app, '/predict/batch', { customers })
  assert.equal(batch.statusCode, 200, batch.body)
  const csv = await postCsv(app, '/predict/batch', toApiCsv(sampleCustomers(99, 12)))
  assert.equal(csv.statusCode, 200, csv.body)
  const probabilities = [single.json().probability, ...batch.json().predictions.map((p: { probability: number }) => p.probability), ...csv.json().predictions.map((p: { probability: number }) => p.probability)] as number[]
  const filling = await drift(app)
  assert.equal(filling.window, 400)
  assert.ok(Math.abs((filling.meanProbability as number) - probabilities.reduce((s, p) => s + p, 0) / 400) < 1e-9)
  assert.deepEqual(Object.keys(filling.features), CUSTOMER_FIELDS.map((f) => f.name), 'every customer field, in order')
  for (const [field, feature] of Object.entries(filling.features)) {
    assert.ok(typeof feature.psi === 'number' && feature.psi >= 0, `${field}: ${feature.psi}`)
    assert.ok(Math.abs(feature.bins.reduce((s, b) => s + b.windowShare, 0) - 1) < 1e-9, field)
  }
  const more = await postJson(app, '/predict/batch', { customers: sampleCustomers(250, 13) })
  assert.equal(more.statusCode, 200)
  assert.equal((await drift(app)).window, 500)
})

test('GET /metrics - after scoring - PSI per field, mean probability and window size as buy_again_drift_* gauges', async () => {
  const app = await appWith(model, { DRIFT_WINDOW: '500' })
  assert.deepEqual(await metricLines(app), ['buy_again_drift_window_customers 0', 'buy_again_drift_mean_probability Nan'])
  const response = await postJson(app, '/predict/batch', { customers: sampleCustomers(120, 14) })
  assert.equal(response.statusCode, 200)
  const lines = await metricLines(app)
  const report = await drift(app)
  assert.ok(lines.includes('buy_again_drift_window_customers 120'), lines.join('\n'))
  assert.ok(lines.includes(`buy_again_drift_mean_probability ${report.meanProbability}`), lines.join('\n'))
  for (const field of FIELDS) {
    assert.ok(lines.includes(`buy_again_drift_psi{feature="${field}"} ${report.features[field]?.psi}`), `${field} in\n${lines.join('\n')}`)
  }
})

test('GET /model/drift - a card trained before drift monitoring - 409 DRIFT_REFERENCE_MISSING, no drift series, scoring unaffected', async () => {
  const { inputDistribution: _dropped, ...oldCard } = model.card
  const old = renamed({ ...model, card: oldCard as ModelCard }, 'v-old')
  const app = await appWith(old)
  const scoredResponse = await postJson(app, '/predict/batch', { customers: sampleCustomers(5) })
  assert.equal(scoredResponse.statusCode, 200)
  const body = expectError(await app.inject({ method: 'GET', url: '/model/drift' }), 409, 'DRIFT_REFERENCE_MISSING')
  assert.match(body.message, /v-old/)
  assert.match(body.message, /npm run train/)
  assert.deepEqual(await metricLines(app), ['buy_again_drift_window_customers 0', 'buy_again_drift_mean_probability Nan'])
})

test('GET /model/drift - API_KEYS set - 401 without the key, 200 with it', async () => {
  const app = await appWith(model, { API_KEYS: KEY })
  expectError(await app.inject({ method: 'GET', url: '/model/drift' }), 401, 'UNAUTHORIZED')
  assert.equal((await drift(app, { authorization: `Bearer ${KEY}` })).window, 0)
})

test('GET /model/drift - the current version is swapped - the window restarts for the new version', async () => {
  const holder = new ModelHolder(model)
  const app = await appWith(holder)
  assert.equal((await postJson(app, '/predict/batch', { customers: sampleCustomers(40) })).statusCode, 200)
  assert.equal((await drift(app)).window, 40)
  holder.replace(renamed(model, 'v-next'))
  const restarted = await drift(app)
  assert.equal(restarted.modelVersion, 'v-next')
  assert.equal(restarted.window, 0)
  assert.equal((await postJson(app, '/predict', validCustomer())).statusCode, 200)
  assert.equal((await drift(app)).window, 1)
})

test('GET /model/drift - customers scored with ?modelVersion= pinned to another version - not counted', async () => {
  // The pinned version is loaded by the real loader, which needs TensorFlow.js ready.
  await (await import('../src/artefact/tensorflow.js')).initTensorFlow('wasm')
  const root = await makeModelsRoot({ 'v-a': 'none', 'v-b': 'none' }, 'v-a')
  const app = await buildTestApp(testVersions(renamed(model, 'v-a'), 3, root))
  apps.push(app)
  const pinned = await postJson(app, '/predict/batch?modelVersion=v-b', { customers: sampleCustomers(30) })
  assert.equal(pinned.statusCode, 200, pinned.body)
  assert.equal(pinned.json().modelVersion, 'v-b')
  assert.equal((await postJson(app, '/predict?modelVersion=v-b', validCustomer())).statusCode, 200)
  assert.equal((await drift(app)).window, 0)
  assert.equal((await postJson(app, '/predict/batch?modelVersion=v-a', { customers: sampleCustomers(3) })).statusCode, 200)
  assert.equal((await drift(app)).window, 3)
})
