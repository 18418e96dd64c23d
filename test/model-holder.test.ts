// The model holder: current model at use time, users finish on the model they started with, a
// replaced model is disposed once (after its last user), and the app reads the holder per request.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ModelCard } from '../src/artefact/model-card.js'
import { ModelHolder } from '../src/model/model-holder.js'
import type { ServingModel } from '../src/model/serving-model.js'
import { buildTestApp, validCustomer } from './helpers/app.js'

function stub (version: string, probability: number, disposed: string[] = []): ServingModel {
  return {
    version,
    threshold: 0.5,
    card: { version, createdAt: '2026-11-29T00:00:00.000Z', threshold: 0.5, baseRate: 0.16, features: [], metrics: {}, featureImportance: [] } as unknown as ModelCard,
    predict: async (customers) => new Float32Array(customers.length).fill(probability),
    dispose: () => { disposed.push(version) }
  }
}

test('ModelHolder - replace - current() answers the new model, the old one is disposed at once when unused', () => {
  const disposed: string[] = []
  const holder = new ModelHolder(stub('a', 0.1, disposed))
  const previous = holder.replace(stub('b', 0.2, disposed))
  assert.equal(previous.version, 'a')
  assert.equal(holder.current().version, 'b')
  assert.deepEqual(disposed, ['a'])
})

test('ModelHolder - replace while a user scores - the user finishes on its model, which is disposed after', async () => {
  const disposed: string[] = []
  const holder = new ModelHolder(stub('a', 0.1, disposed))
  let release = (): void => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  const inFlight = holder.use(async (model) => {
    await gate
    return model.version
  })
  holder.replace(stub('b', 0.2, disposed))
  assert.deepEqual(disposed, [], 'not disposed while in use')
  release()
  assert.equal(await inFlight, 'a')
  assert.deepEqual(disposed, ['a'])
  assert.equal(await holder.use((model) => model.version), 'b')
})

test('ModelHolder - close - disposes the model in service exactly once and refuses new models', async () => {
  const disposed: string[] = []
  const holder = new ModelHolder(stub('a', 0.1, disposed))
  holder.close()
  holder.close()
  await holder.use((model) => model.version)
  assert.deepEqual(disposed, ['a'])
  assert.throws(() => holder.replace(stub('b', 0.2)), /closed/)
})

test('ModelHolder - a work that throws - still releases the model', async () => {
  const disposed: string[] = []
  const holder = new ModelHolder(stub('a', 0.1, disposed))
  await assert.rejects(holder.use(async () => { throw new Error('boom') }), /boom/)
  holder.replace(stub('b', 0.2, disposed))
  assert.deepEqual(disposed, ['a'])
})

test('buildApp - model replaced after the app is built - answers, readiness, card and buy_again_model_info follow it', async () => {
  const holder = new ModelHolder(stub('a', 0.125))
  const app = await buildTestApp(holder)
  try {
    app.readiness.markReady()
    const before = await app.inject({ method: 'POST', url: '/predict', payload: validCustomer() })
    assert.equal(before.json().modelVersion, 'a')
    holder.replace(stub('b', 0.75))
    const single = await app.inject({ method: 'POST', url: '/predict', payload: validCustomer() })
    assert.deepEqual([single.json().modelVersion, single.json().probability], ['b', 0.75])
    const batch = await app.inject({ method: 'POST', url: '/predict/batch', payload: { customers: [validCustomer()] } })
    assert.deepEqual([batch.json().modelVersion, batch.json().predictions[0].probability], ['b', 0.75])
    assert.equal((await app.inject('/health/ready')).json().modelVersion, 'b')
    assert.equal((await app.inject('/model')).json().version, 'b')
    const metrics = (await app.inject('/metrics')).body
    assert.match(metrics, /^buy_again_model_info\{version="b"\} 1$/m)
    assert.doesNotMatch(metrics, /buy_again_model_info\{version="a"\}/)
  } finally {
    await app.close()
  }
})
