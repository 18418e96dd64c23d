// The compiled executor must give model.predictOnBatch's outputs (within 1e-6) on both of its paths.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { AGREEMENT_TOLERANCE, SMALL_INPUT_ROWS, compileEnsemble, goldenInputs } from '../src/model/compiled-ensemble.js'
import { FEATURE_COUNT } from '../src/domain/features.js'
import { loadArtefact, resolveCurrentDir } from '../src/artefact/artefact-store.js'
import { DEFAULT_MODELS_ROOT } from '../src/artefact/models-root.js'
import { initTensorFlow, tf, tfl } from '../src/artefact/tensorflow.js'

let model: tfl.LayersModel

before(async () => {
  await initTensorFlow('wasm')
  model = (await loadArtefact(await resolveCurrentDir(DEFAULT_MODELS_ROOT))).model
})

function reference (values: Float32Array, rows: number): Float32Array {
  return tf.tidy(() => (model.predictOnBatch(tf.tensor2d(values, [rows, FEATURE_COUNT])) as tf.Tensor).dataSync() as Float32Array)
}

test('compileEnsemble - committed model, loop and member-by-member paths - agree with model.predictOnBatch within 1e-6', () => {
  const compiled = compileEnsemble(model, FEATURE_COUNT)
  assert.ok(compiled !== null, 'the committed model is a training-written ensemble')
  for (const rows of [SMALL_INPUT_ROWS, SMALL_INPUT_ROWS + 1, 13, 999, 1000, 3000]) {
    const values = goldenInputs(FEATURE_COUNT, rows)
    const expected = reference(values, rows)
    const actual = compiled.predict(values, rows)
    assert.equal(actual.length, rows)
    let worst = 0
    for (let i = 0; i < rows; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)))
    assert.ok(worst <= AGREEMENT_TOLERANCE, `${rows} rows: max difference ${worst}`)
  }
  compiled.dispose()
})

test('compileEnsemble - many calls - no tensor left behind', () => {
  const compiled = compileEnsemble(model, FEATURE_COUNT)
  assert.ok(compiled !== null)
  const values = goldenInputs(FEATURE_COUNT, 500)
  compiled.predict(values, 500)
  const before = tf.memory().numTensors
  for (let i = 0; i < 50; i++) compiled.predict(values, i % 2 === 0 ? 500 : 1)
  assert.equal(tf.memory().numTensors, before)
  compiled.dispose()
})

test('compileEnsemble - the same customers alone in a batch of any size from 2 - the same float32 probabilities (a reported probability never depends on its batch)', () => {
  const compiled = compileEnsemble(model, FEATURE_COUNT)
  assert.ok(compiled !== null)
  const all = goldenInputs(FEATURE_COUNT, 3000)
  const whole = compiled.predict(all, 3000)
  for (const rows of [2, 3, 7, 12, 13, 100, 999, 1000, 2999]) {
    // Rows from an offset, so each customer sits at another position in its batch than in the whole.
    const offset = 3000 - rows
    const part: Float32Array = compiled.predict(all.slice(offset * FEATURE_COUNT), rows)
    const differing: number = Array.from(part).filter((p, i) => p !== whole[offset + i]).length
    assert.equal(differing, 0, `${rows} rows: ${differing} probabilities differ from the same customers in a batch of 3,000`)
  }
  compiled.dispose()
})

test('compileEnsemble - a model of another topology - returns null (served by predictOnBatch)', () => {
  const other = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [FEATURE_COUNT], units: 1, activation: 'sigmoid' })] })
  assert.equal(compileEnsemble(other, FEATURE_COUNT), null)
  other.dispose()
})
