// Model versions over HTTP with real artefacts (copies of the committed one): GET /models, pinning a
// version per request, the 404 and 422 of unknown and broken versions, and a swap of CURRENT followed
// by answers, the model card, buy_again_model_info and the reload counter.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { initTensorFlow } from '../src/artefact/tensorflow.js'
import { ModelHolder } from '../src/model/model-holder.js'
import { loadVerifiedModel } from '../src/model/model-loader.js'
import { ModelVersions } from '../src/model/model-versions.js'
import { buildTestApp, validCustomer } from './helpers/app.js'
import { makeModelsRoot } from './helpers/model-versions.js'

const KEY = 'k-0123456789abcdef'
let root: string
let versions: ModelVersions
let app: FastifyInstance
let keyed: FastifyInstance

before(async () => {
  await initTensorFlow('wasm')
  root = await makeModelsRoot({ 'v-a': 'none', 'v-b': 'none', 'v-bad': 'truncated' }, 'v-a')
  const load = async (dir: string, version: string): Promise<Awaited<ReturnType<typeof loadVerifiedModel>>> => await loadVerifiedModel(dir, version)
  versions = new ModelVersions(new ModelHolder(await load(join(root, 'v-a'), 'v-a')), { modelsRoot: root, maxLoaded: 2, pinned: false, load })
  app = await buildTestApp(versions)
  keyed = await buildTestApp(versions, { API_KEYS: KEY })
})
after(async () => {
  await Promise.all([app.close(), keyed.close()])
  versions.close()
})

interface Listing {
  serving: string
  current: string | null
  watching: boolean
  maxLoadedModels: number
  lastReloadError: { version: string | null, file: string | null, message: string, time: string } | null
  versions: Array<{ version: string, rocAuc: number | null, logLoss: number | null, calibrationError: number | null, current: boolean, serving: boolean, loaded: boolean }>
}

async function listing (): Promise<Listing> {
  const response = await app.inject('/models')
  assert.equal(response.statusCode, 200, response.body)
  return response.json()
}

test('GET /models - three versions, one broken - all listed with their test metrics, CURRENT and the loaded one marked', async () => {
  const body = await listing()
  assert.equal(body.serving, 'v-a')
  assert.equal(body.current, 'v-a')
  assert.equal(body.maxLoadedModels, 2)
  assert.equal(body.lastReloadError, null)
  assert.deepEqual(body.versions.map((v) => [v.version, v.current, v.serving, v.loaded]), [['v-a', true, true, true], ['v-b', false, false, false], ['v-bad', false, false, false]])
  for (const v of body.versions) {
    assert.ok(v.rocAuc !== null && v.rocAuc > 0.5 && v.rocAuc <= 1, `${v.version} rocAuc`)
    assert.ok(v.logLoss !== null && v.logLoss > 0, `${v.version} logLoss`)
    assert.ok(v.calibrationError !== null && v.calibrationError >= 0, `${v.version} calibrationError`)
  }
})

test('GET /models - with API_KEYS - 401 without the key, 200 with it', async () => {
  assert.equal((await keyed.inject('/models')).statusCode, 401)
  assert.equal((await keyed.inject({ url: '/models', headers: { authorization: `Bearer ${KEY}` } })).statusCode, 200)
})

test('?modelVersion= on both routes - answered by that version, same weights as the current one give the same probability', async () => {
  const current = (await app.inject({ method: 'POST', url: '/predict', payload: validCustomer() })).json()
  const single = await app.inject({ method: 'POST', url: '/predict?modelVersion=v-b', payload: validCustomer() })
  assert.equal(single.statusCode, 200, single.body)
  assert.equal(single.json().modelVersion, 'v-b')
  assert.equal(single.json().probability, current.probability)
  const batch = await app.inject({ method: 'POST', url: '/predict/batch?modelVersion=v-b&explain=true', payload: { customers: [validCustomer(), validCustomer()] } })
  assert.equal(batch.statusCode, 200, batch.body)
  assert.equal(batch.json().modelVersion, 'v-b')
  assert.equal(batch.json().predictions[0].reasons.length, 3)
  assert.deepEqual((await listing()).versions.filter((v) => v.loaded).map((v) => v.version), ['v-a', 'v-b'])
})

test('?modelVersion= unknown, malformed or broken - 404 MODEL_VERSION_NOT_FOUND naming it, 422 MODEL_VERSION_UNUSABLE naming the file', async () => {
  for (const version of ['v-nope', '..%2Fv-a', '.hidden']) {
    const response = await app.inject({ method: 'POST', url: `/predict?modelVersion=${version}`, payload: validCustomer() })
    assert.equal(response.statusCode, 404, version)
    assert.equal(response.json().code, 'MODEL_VERSION_NOT_FOUND')
    assert.match(response.json().message, new RegExp(decodeURIComponent(version).replace('.', '\\.')))
  }
  const broken = await app.inject({ method: 'POST', url: '/predict/batch?modelVersion=v-bad', payload: { customers: [validCustomer()] } })
  assert.equal(broken.statusCode, 422, broken.body)
  assert.equal(broken.json().code, 'MODEL_VERSION_UNUSABLE')
  assert.match(broken.json().message, /v-bad.*weights\.bin/)
  assert.ok(!broken.body.includes(root), 'the server\'s own paths are not shown to clients')
  assert.equal(broken.headers['content-type'], 'application/json; charset=utf-8')
})

test('CURRENT rewritten, then a reload - answers, /health/ready, /model, buy_again_model_info and the reload counter follow; a broken version is refused and listed', async () => {
  await writeFile(join(root, 'CURRENT'), 'v-b\n')
  await versions.reload('signal')
  const answer = (await app.inject({ method: 'POST', url: '/predict', payload: validCustomer() })).json()
  assert.equal(answer.modelVersion, 'v-b')
  assert.equal((await app.inject('/model')).json().version, 'v-b')
  assert.equal((await app.inject('/health/ready')).statusCode, 503, 'this test app was never marked ready')
  let metrics = (await app.inject('/metrics')).body
  assert.match(metrics, /^buy_again_model_info\{version="v-b"\} 1$/m)
  assert.match(metrics, /^buy_again_model_reloads_total\{result="success"\} 1$/m)

  await writeFile(join(root, 'CURRENT'), 'v-bad\n')
  await versions.reload('signal')
  assert.equal((await app.inject({ method: 'POST', url: '/predict', payload: validCustomer() })).json().modelVersion, 'v-b')
  const body = await listing()
  assert.equal(body.serving, 'v-b')
  assert.equal(body.current, 'v-bad')
  assert.equal(body.lastReloadError?.version, 'v-bad')
  assert.match(String(body.lastReloadError?.file), /v-bad\/weights\.bin$/)
  assert.match(String(body.lastReloadError?.message), /SHA-256/)
  metrics = (await app.inject('/metrics')).body
  assert.match(metrics, /^buy_again_model_reloads_total\{result="failure"\} 1$/m)
  assert.match(metrics, /^buy_again_predictions_total\{will_buy="(true|false)",model_version="v-b"\} \d+$/m)
})
