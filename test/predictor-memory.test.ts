// Tensor hygiene: scoring any number of batches, of any size, directly or over HTTP, leaves
// tf.memory().numTensors where it started; disposing a predictor releases every tensor it made.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Customer } from '../src/domain/customer.js'
import { DEFAULT_MODELS_ROOT } from '../src/artefact/models-root.js'
import { loadArtefact, resolveCurrentDir } from '../src/artefact/artefact-store.js'
import { SMALL_INPUT_ROWS } from '../src/model/compiled-ensemble.js'
import { Predictor } from '../src/model/predictor.js'
import { createRandom } from '../src/domain/seeded-random.js'
import { tf } from '../src/artefact/tensorflow.js'
import { buildTestApp, loadCommittedPredictor, validCustomer } from './helpers/app.js'
import { postJson } from './helpers/http.js'
import { generateCustomers } from './helpers/synthetic.js'

const predictor = await loadCommittedPredictor()
await predictor.warmUp()
const app = await buildTestApp(predictor)
after(async () => { await app.close() })

/** Sizes around the executor switch (SMALL_INPUT_ROWS: loops up to it, member-by-member tensors above) and well beyond it. */
const SIZES = [1, SMALL_INPUT_ROWS + 1, 10, 1000, 5000]
const POOL: readonly Customer[] = generateCustomers(5000, 20261127).customers

/** Seeded mixed sizes from 1 to 3000. */
function mixedSizes (count: number): number[] {
  const random = createRandom(42)
  return Array.from({ length: count }, () => 1 + Math.floor(random() ** 3 * 3000))
}

function batchOf (size: number, offset = 0): Customer[] {
  return Array.from({ length: size }, (_, i) => POOL[(offset + i) % POOL.length] as Customer)
}

function tensorCount (): { numTensors: number, numBytes: number } {
  const { numTensors, numBytes } = tf.memory()
  return { numTensors, numBytes }
}

test('Predictor.predict - batches of 1, 2, 10, 1000 and 5000, each five times - numTensors and numBytes back to the start', async () => {
  const start = tensorCount()
  for (let round = 0; round < 5; round++) {
    for (const size of SIZES) {
      const probabilities = await predictor.predict(batchOf(size, round * 7))
      assert.equal(probabilities.length, size)
      assert.deepEqual(tensorCount(), start, `after a batch of ${size} (round ${round})`)
    }
  }
})

test('Predictor.predict - 60 batches of mixed sizes (1..3000) - numTensors back to the start', async (t) => {
  const start = tensorCount()
  const sizes = mixedSizes(60)
  for (const [i, size] of sizes.entries()) await predictor.predict(batchOf(size, i))
  t.diagnostic(`${sizes.reduce((a, b) => a + b, 0)} customers scored in ${sizes.length} batches`)
  assert.deepEqual(tensorCount(), start)
})

test('POST /predict/batch - batches of 1, 10, 48, 49, 1000, 5000 and mixed sizes - numTensors back to the start', async () => {
  const start = tensorCount()
  for (const size of [...SIZES, ...mixedSizes(15)]) {
    const response = await postJson(app, '/predict/batch', { customers: batchOf(size) })
    assert.equal(response.statusCode, 200, response.body.slice(0, 200))
    assert.equal(response.json<{ predictions: unknown[] }>().predictions.length, size)
    assert.deepEqual(tensorCount(), start, `after a batch of ${size}`)
  }
})

test('POST /predict, partial batches and rejected batches - numTensors back to the start', async () => {
  const start = tensorCount()
  for (let i = 0; i < 200; i++) assert.equal((await postJson(app, '/predict', POOL[i])).statusCode, 200)
  const withBad = batchOf(1000).map((c, i) => (i % 100 === 0 ? { ...c, completion: 2 } : c))
  assert.equal((await postJson(app, '/predict/batch?partial=true', { customers: withBad })).statusCode, 200)
  assert.equal((await postJson(app, '/predict/batch', { customers: withBad })).statusCode, 400)
  // The customer that overflows total/avg (a 500 on the loop path, see hardening-fuzz): no tensor left behind either way.
  const overflow = validCustomer({ bookLengthAvgMinutes: 5e-324, bookLengthTotalMinutes: 1 })
  await postJson(app, '/predict', overflow)
  await postJson(app, '/predict/batch', { customers: [...batchOf(60), overflow] })
  assert.deepEqual(tensorCount(), start)
})

test('Predictor (tf.LayersModel fallback, as for a model compileEnsemble cannot compile) - batches of every size - numTensors back to the start', async () => {
  const before = tensorCount()
  const fallback = new Predictor(await loadArtefact(await resolveCurrentDir(DEFAULT_MODELS_ROOT)))
  // Reach into the instance to take the path a non-ensemble model takes: model.predictOnBatch inside tf.tidy.
  const compiled = Reflect.get(fallback, 'compiled') as { dispose: () => void } | null
  assert.ok(compiled !== null, 'precondition: the committed model compiles')
  compiled.dispose()
  Reflect.set(fallback, 'compiled', null)
  const start = tensorCount()
  for (const size of [...SIZES, ...mixedSizes(10)]) {
    const probabilities = await fallback.predict(batchOf(size))
    assert.equal(probabilities.length, size)
    assert.deepEqual(tensorCount(), start, `fallback, after a batch of ${size}`)
  }
  fallback.dispose()
  assert.deepEqual(tensorCount(), before, 'dispose releases the model\'s weights')
})

test('Predictor.dispose - a loaded, compiled, used predictor - releases every tensor it created', async () => {
  const before = tensorCount()
  const extra = new Predictor(await loadArtefact(await resolveCurrentDir(DEFAULT_MODELS_ROOT)))
  await extra.warmUp()
  assert.ok(tensorCount().numTensors > before.numTensors, 'precondition: a loaded predictor holds tensors')
  for (const size of SIZES) await extra.predict(batchOf(size))
  extra.dispose()
  assert.deepEqual(tensorCount(), before)
})
