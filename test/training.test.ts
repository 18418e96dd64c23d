// Training side: stratified holdout and folds, Platt scaling, trainModel on seeded synthetic customers,
// the artefact round trip through model-store, determinism, and one run on the real file when present.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import { parseCustomerCsv } from '../src/domain/customer-csv.js'
import { FEATURE_COUNT, FEATURE_NAMES, PREPROCESSING_HASH, fitStats, toMatrix } from '../src/domain/features.js'
import {
  ArtefactError, CARD_FILE, MODEL_FILE, PREPROCESSING_FILE, WEIGHTS_FILE, loadArtefact, serializeModel, writeArtefact,
  type LoadedArtefact
} from '../src/artefact/artefact-store.js'
import { createRandom } from '../src/domain/seeded-random.js'
import { initTensorFlow, tf, tfl } from '../src/artefact/tensorflow.js'
import { fitPlattScaling, foldPlattIntoModel, logit } from '../src/training/calibrate.js'
import { predictMatrix, type Matrix } from '../src/training/fit.js'
import {
  DEFAULT_TRAINING_OPTIONS, TrainingDataError, trainModel, type TrainingResult
} from '../src/training/pipeline.js'
import type { TrainingOptions } from '../src/artefact/model-card.js'
import { stratifiedFolds, stratifiedHoldout } from '../src/training/split.js'
import { artefactContents, makeTempDir } from './helpers/artefact.js'
import { generateCustomers, type SyntheticData } from './helpers/synthetic.js'

const REAL_DATA = fileURLToPath(new URL('../../shared/data/audiobooks.csv', import.meta.url))

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

function sha256Hex (data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

function maxAbsDiff (a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)))
  return max
}

/** 1000 labels, 300 buyers (every index with i % 10 < 3). */
const SPLIT_LABELS = Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 1 : 0))

// ---------------------------------------------------------------- split

test('stratifiedHoldout - 300 buyers of 1000, 15% - the test part keeps the buyer share', () => {
  const split = stratifiedHoldout(SPLIT_LABELS, 0.15, 42)
  const buyers = (part: number[]): number => part.filter((i) => SPLIT_LABELS[i] === 1).length
  // round(300 * 0.15) = 45 buyers + round(700 * 0.15) = 105 others.
  assert.equal(split.test.length, 150)
  assert.equal(buyers(split.test), 45)
  assert.equal(split.rest.length, 850)
  assert.equal(buyers(split.rest), 255)
})

test('stratifiedHoldout - any seed - parts disjoint, sorted and covering every index', () => {
  for (const seed of [1, 2, 3]) {
    const split = stratifiedHoldout(SPLIT_LABELS, 0.1, seed)
    assert.deepEqual([...split.rest, ...split.test].sort((a, b) => a - b), SPLIT_LABELS.map((_, i) => i))
    for (const part of [split.rest, split.test]) assert.deepEqual(part, [...part].sort((a, b) => a - b))
  }
})

test('stratifiedHoldout - same seed - same split; different seed - different split', () => {
  const a = stratifiedHoldout(SPLIT_LABELS, 0.15, 7)
  assert.deepEqual(stratifiedHoldout(SPLIT_LABELS, 0.15, 7), a)
  assert.notDeepEqual(stratifiedHoldout(SPLIT_LABELS, 0.15, 8).test, a.test)
  // Shuffled, not the first indices of each class.
  assert.notDeepEqual(a.test, SPLIT_LABELS.map((_, i) => i).slice(0, 150))
})

test('stratifiedHoldout - fraction not in (0, 1) - throws', () => {
  for (const fraction of [0, 1, -0.1, Number.NaN]) assert.throws(() => stratifiedHoldout(SPLIT_LABELS, fraction, 1), /between 0 and 1/)
})

test('stratifiedFolds - 850 rows, 255 buyers, 5 folds - 170 rows and 51 buyers each, disjoint, covering the rows', () => {
  const { rest } = stratifiedHoldout(SPLIT_LABELS, 0.15, 42)
  const folds = stratifiedFolds(SPLIT_LABELS, rest, 5, 42)
  assert.equal(folds.length, 5)
  for (const fold of folds) {
    assert.equal(fold.length, 170)
    assert.equal(fold.filter((i) => SPLIT_LABELS[i] === 1).length, 51)
    assert.deepEqual(fold, [...fold].sort((a, b) => a - b))
  }
  assert.deepEqual(folds.flat().sort((a, b) => a - b), rest)
  assert.deepEqual(stratifiedFolds(SPLIT_LABELS, rest, 5, 42), folds, 'same seed, same folds')
  assert.notDeepEqual(stratifiedFolds(SPLIT_LABELS, rest, 5, 43), folds, 'another seed, other folds')
})

test('stratifiedFolds - sizes not divisible - differ by at most one row and one buyer', () => {
  const rows = SPLIT_LABELS.map((_, i) => i).slice(0, 97)
  const folds = stratifiedFolds(SPLIT_LABELS, rows, 4, 1)
  const sizes = folds.map((f) => f.length)
  const buyers = folds.map((f) => f.filter((i) => SPLIT_LABELS[i] === 1).length)
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes.join(',')}`)
  assert.ok(Math.max(...buyers) - Math.min(...buyers) <= 1, `buyers ${buyers.join(',')}`)
})

test('stratifiedFolds - fewer than 2 folds - throws', () => {
  assert.throws(() => stratifiedFolds(SPLIT_LABELS, [1, 2, 3], 1, 1), /at least 2 folds/)
})

// ---------------------------------------------------------------- Platt scaling

/** Logits uniform on [-4, 4] turned into probabilities, and labels drawn from sigmoid(slope * z + intercept). */
function plattSample (slope: number, intercept: number, count: number, seed: number): { probabilities: number[], labels: number[] } {
  const random = createRandom(seed)
  const probabilities: number[] = []
  const labels: number[] = []
  for (let i = 0; i < count; i++) {
    const z = -4 + 8 * random()
    probabilities.push(sigmoid(z))
    labels.push(random() < sigmoid(slope * z + intercept) ? 1 : 0)
  }
  return { probabilities, labels }
}

/** At the maximum-likelihood point the mean calibrated probability equals the share of positives. */
function assertLikelihoodStationary (probabilities: number[], labels: number[], slope: number, intercept: number): void {
  const calibrated = probabilities.map((p) => sigmoid(slope * logit(p) + intercept))
  const meanCalibrated = calibrated.reduce((a, b) => a + b, 0) / calibrated.length
  const baseRate = labels.reduce((a, b) => a + b, 0) / labels.length
  assert.ok(Math.abs(meanCalibrated - baseRate) < 1e-6, `mean calibrated probability ${meanCalibrated} vs base rate ${baseRate}`)
  const slopeGradient = calibrated.reduce((s, p, i) => s + (p - (labels[i] as number)) * logit(probabilities[i] as number), 0) / labels.length
  assert.ok(Math.abs(slopeGradient) < 1e-6, `slope gradient ${slopeGradient}`)
}

for (const [slope, intercept] of [[0.6, -0.8], [2, 1], [1, 0]] as const) {
  test(`fitPlattScaling - labels drawn with slope ${slope} intercept ${intercept} - recovers both within 0.05`, () => {
    const { probabilities, labels } = plattSample(slope, intercept, 20000, 11)
    const fit = fitPlattScaling(probabilities, labels)
    assert.ok(Math.abs(fit.slope - slope) < 0.05, `slope ${fit.slope}`)
    assert.ok(Math.abs(fit.intercept - intercept) < 0.05, `intercept ${fit.intercept}`)
    assertLikelihoodStationary(probabilities, labels, fit.slope, fit.intercept)
  })
}

test('fitPlattScaling - labels drawn with slope 0.3 intercept -1.5 - recovers both within 0.05', () => {
  const { probabilities, labels } = plattSample(0.3, -1.5, 20000, 11)
  const fit = fitPlattScaling(probabilities, labels)
  assert.ok(Math.abs(fit.slope - 0.3) < 0.05, `slope ${fit.slope}`)
  assert.ok(Math.abs(fit.intercept + 1.5) < 0.05, `intercept ${fit.intercept}`)
})

test('fitPlattScaling - ten examples with labels unrelated to the logits - a stationary, finite fit', () => {
  // Logits -1..3 twice, buyers at 0 and 1: not separable, so the maximum-likelihood fit is finite.
  const z = [-1, 0, 1, 2, 3, -1, 0, 1, 2, 3]
  const labels = [0, 1, 0, 0, 0, 0, 0, 1, 0, 0]
  const probabilities = z.map(sigmoid)
  const fit = fitPlattScaling(probabilities, labels)
  assert.ok(Math.abs(fit.slope) < 5 && Math.abs(fit.intercept) < 5, `slope ${fit.slope}, intercept ${fit.intercept}`)
  assertLikelihoodStationary(probabilities, labels, fit.slope, fit.intercept)
})

test('foldPlattIntoModel - one sigmoid unit - outputs sigmoid(slope * logit + intercept)', async () => {
  await initTensorFlow()
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 1, activation: 'sigmoid' })] })
  model.setWeights([tf.tensor2d([[0.5], [-1]]), tf.tensor1d([0.2])])
  foldPlattIntoModel(model, { slope: 2, intercept: -0.3 })
  // logit = 0.5 * 1 - 1 * 2 + 0.2 = -1.3 -> sigmoid(2 * -1.3 - 0.3) = sigmoid(-2.9)
  const output = predictMatrix(model, { values: new Float32Array([1, 2]), rows: 1, columns: 2 })
  assert.ok(Math.abs((output[0] as number) - sigmoid(-2.9)) < 1e-6, `got ${output[0]}`)
  model.dispose()
})

// ---------------------------------------------------------------- trainModel on synthetic customers

// Every option spelled out, so tuning DEFAULT_TRAINING_OPTIONS does not change what these tests train.
const OPTIONS: TrainingOptions = {
  hiddenUnits: [16, 8],
  learningRate: 0.001,
  batchSize: 64,
  maxEpochs: 20,
  patience: 5,
  l2: 0,
  dropout: 0,
  seed: 3,
  testFraction: 0.15,
  folds: 3,
  calibrate: true
}
const SYNTHETIC: SyntheticData = generateCustomers(1000, 7)

let trained: TrainingResult
let work: { dir: string, remove: () => Promise<void> }
let artefactDir: string
const loadedModels: LoadedArtefact[] = []

before(async () => {
  await initTensorFlow()
  trained = await trainModel(SYNTHETIC.customers, SYNTHETIC.labels, OPTIONS)
  work = await makeTempDir('training')
  artefactDir = join(work.dir, 'v-test')
  await writeArtefact(artefactDir, await artefactContents(trained, OPTIONS, 'v-test'))
})

after(async () => {
  trained?.model.dispose()
  for (const loaded of loadedModels) loaded.model.dispose()
  await work?.remove()
})

function allCustomersMatrix (result: TrainingResult): Matrix {
  return { values: toMatrix(SYNTHETIC.customers, result.stats), rows: SYNTHETIC.customers.length, columns: FEATURE_COUNT }
}

test('trainModel - 1000 synthetic customers - 15% held out by class, the rest cross-fitted in 3 folds', () => {
  const buyers = SYNTHETIC.labels.filter((l) => l === 1).length
  const others = SYNTHETIC.labels.length - buyers
  const held = Math.round(buyers * 0.15) + Math.round(others * 0.15)
  assert.deepEqual(trained.rows, { train: 1000 - held, test: held, folds: 3 })
  assert.equal(trained.test.rows, held)
  // Every training row predicted once, out of fold.
  assert.equal(trained.crossValidation.outOfFold.rows, 1000 - held)
  assert.equal(trained.crossValidation.folds, 3)
})

test('trainModel - statistics - fitted on the training rows only', () => {
  const { rest } = stratifiedHoldout(SYNTHETIC.labels, OPTIONS.testFraction, OPTIONS.seed)
  assert.deepEqual(trained.stats, fitStats(rest.map((i) => SYNTHETIC.customers[i] as (typeof SYNTHETIC.customers)[number])))
  const trainLabels = rest.map((i) => SYNTHETIC.labels[i] as number)
  assert.equal(trained.trainingBaseRate, trainLabels.reduce((a, b) => a + b, 0) / trainLabels.length)
})

test('trainModel - metrics - in range and better than chance, test split and out of fold', () => {
  for (const m of [trained.crossValidation.outOfFold, trained.test]) {
    assert.ok(m.rocAuc > 0.65 && m.rocAuc <= 1, `rocAuc ${m.rocAuc}`)
    assert.ok(m.prAuc > m.baseRate, `prAuc ${m.prAuc} vs base rate ${m.baseRate}`)
    assert.ok(m.logLoss > 0 && m.logLoss < 0.69, `logLoss ${m.logLoss}`)
    assert.ok(m.brierScore > 0 && m.brierScore < 0.25, `brier ${m.brierScore}`)
    assert.ok(m.expectedCalibrationError >= 0 && m.expectedCalibrationError < 0.15, `ece ${m.expectedCalibrationError}`)
    assert.equal(m.calibrationBins.length, 10)
    assert.equal(m.calibrationBins.reduce((s, b) => s + b.count, 0), m.rows)
    const c = m.atThreshold.confusion
    assert.equal(c.truePositives + c.falsePositives + c.trueNegatives + c.falseNegatives, m.rows)
    assert.equal(m.atThreshold.threshold, trained.threshold)
    assert.ok(m.captureTop20 >= m.captureTop10 && m.captureTop10 > 0.1, `capture ${m.captureTop10} / ${m.captureTop20}`)
  }
  assert.ok(trained.threshold > 0 && trained.threshold < 1, `threshold ${trained.threshold}`)
  const f = trained.crossValidation.perFold
  for (const spread of [f.rocAuc, f.logLoss, f.expectedCalibrationError]) {
    assert.ok(Number.isFinite(spread.mean) && spread.std >= 0, JSON.stringify(spread))
  }
  assert.ok(f.rocAuc.mean > 0.65 && f.rocAuc.mean <= 1, `per-fold ROC AUC ${f.rocAuc.mean}`)
})

test('trainModel - Platt scaling fitted out of fold - the out-of-fold mean probability equals the training base rate', () => {
  // The logistic likelihood's intercept equation: at the fit, mean calibrated probability = share of buyers.
  const o = trained.crossValidation.outOfFold
  assert.ok(Math.abs(o.meanProbability - o.baseRate) < 2e-3, `${o.meanProbability} vs ${o.baseRate}`)
  assert.equal(o.baseRate, trained.trainingBaseRate)
  assert.ok(Number.isFinite(trained.calibration.slope) && trained.calibration.slope > 0 && trained.calibration.slope < 5, `slope ${trained.calibration.slope}`)
})

test('trainModel - calibration layer - holds the Platt slope and intercept', () => {
  const [kernel, bias] = trained.model.getLayer('calibration').getWeights()
  assert.ok(kernel !== undefined && bias !== undefined)
  assert.ok(Math.abs((kernel.dataSync()[0] as number) - trained.calibration.slope) < 1e-5)
  assert.ok(Math.abs((bias.dataSync()[0] as number) - trained.calibration.intercept) < 1e-5)
})

test('trainModel - members and importance - one member per fold, one entry per customer field with a direction', () => {
  assert.equal(trained.members.length, 3)
  for (const m of trained.members) {
    assert.ok(m.epochsRun >= 1 && m.epochsRun <= 20, `epochs ${m.epochsRun}`)
    assert.ok(m.bestEpoch >= 1 && m.bestEpoch <= m.epochsRun)
    assert.ok(Number.isFinite(m.validationLogLoss))
  }
  assert.deepEqual(trained.featureImportance.map((f) => f.field).sort(), CUSTOMER_FIELDS.map((f) => f.name).sort())
  for (const f of trained.featureImportance) assert.ok(f.direction !== undefined && f.direction >= -1 && f.direction <= 1, `${f.field} ${f.direction}`)
  const drops = trained.featureImportance.map((f) => f.aucDrop)
  assert.deepEqual(drops, [...drops].sort((a, b) => b - a))
  assert.equal(trained.fieldStatistics.length, 10)
})

test('predictMatrix - repeated calls - no tensor left behind', () => {
  const matrix = allCustomersMatrix(trained)
  predictMatrix(trained.model, matrix)
  const before = tf.memory().numTensors
  predictMatrix(trained.model, matrix)
  predictMatrix(trained.model, matrix)
  assert.equal(tf.memory().numTensors, before)
})

test('writeArtefact + loadArtefact - written artefact - loaded model predicts identically', async () => {
  const loaded = await loadArtefact(artefactDir)
  loadedModels.push(loaded)
  const matrix = allCustomersMatrix(trained)
  const diff = maxAbsDiff(predictMatrix(loaded.model, matrix), predictMatrix(trained.model, matrix))
  assert.ok(diff < 1e-7, `max abs diff ${diff}`)
  assert.deepEqual(loaded.preprocessing.featureNames, FEATURE_NAMES)
  assert.deepEqual(loaded.preprocessing.means, trained.stats.means)
  assert.deepEqual(loaded.preprocessing.stds, trained.stats.stds)
  assert.equal(loaded.preprocessing.schemaHash, PREPROCESSING_HASH)
  assert.equal(loaded.card.version, 'v-test')
  assert.equal(loaded.card.threshold, trained.threshold)
})

test('writeArtefact - card.json - SHA-256 of each file as written, and no temporary files left', async () => {
  const card = JSON.parse(await readFile(join(artefactDir, CARD_FILE), 'utf8')) as { files: Record<string, string> }
  for (const name of [MODEL_FILE, WEIGHTS_FILE, PREPROCESSING_FILE]) {
    assert.equal(card.files[name], sha256Hex(await readFile(join(artefactDir, name))), name)
  }
  assert.deepEqual((await readdir(artefactDir)).sort(), [CARD_FILE, MODEL_FILE, PREPROCESSING_FILE, WEIGHTS_FILE].sort())
})

test('trainModel - same seed twice - byte-identical weights and model.json', async () => {
  const again = await trainModel(SYNTHETIC.customers, SYNTHETIC.labels, OPTIONS)
  try {
    const [first, second] = await Promise.all([serializeModel(trained.model), serializeModel(again.model)])
    assert.equal(second.modelJson, first.modelJson)
    assert.ok(Buffer.from(second.weights).equals(Buffer.from(first.weights)), 'weights differ')
    assert.deepEqual(again.test, trained.test)
    assert.equal(again.threshold, trained.threshold)
  } finally {
    again.model.dispose()
  }
})

test('trainModel - different seed - different weights', async () => {
  const other = await trainModel(SYNTHETIC.customers, SYNTHETIC.labels, { ...OPTIONS, seed: 4 })
  try {
    const [first, second] = await Promise.all([serializeModel(trained.model), serializeModel(other.model)])
    assert.equal(second.weights.length, first.weights.length)
    assert.ok(!Buffer.from(second.weights).equals(Buffer.from(first.weights)), 'weights are identical')
  } finally {
    other.model.dispose()
  }
})

// ---------------------------------------------------------------- loadArtefact failures

async function copyArtefact (name: string): Promise<string> {
  const dir = join(work.dir, name)
  await cp(artefactDir, dir, { recursive: true })
  return dir
}

async function assertArtefactError (dir: string, file: string, message: RegExp): Promise<void> {
  await assert.rejects(loadArtefact(dir), (err: unknown) => {
    assert.ok(err instanceof ArtefactError, `expected an ArtefactError, got ${String(err)}`)
    assert.equal(err.file, join(dir, file))
    assert.ok(err.message.startsWith(join(dir, file) + ': '), err.message)
    assert.match(err.message, message)
    return true
  })
}

/** Rewrites one JSON file of the artefact and updates its checksum in card.json, so only content checks can fail. */
async function rewriteWithChecksum (dir: string, file: string, edit: (value: Record<string, unknown>) => void): Promise<void> {
  const value = JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>
  edit(value)
  const text = JSON.stringify(value, null, 2) + '\n'
  await writeFile(join(dir, file), text)
  const card = JSON.parse(await readFile(join(dir, CARD_FILE), 'utf8')) as { files: Record<string, string> }
  card.files[file] = sha256Hex(text)
  await writeFile(join(dir, CARD_FILE), JSON.stringify(card, null, 2) + '\n')
}

test('loadArtefact - card.json missing - ArtefactError naming card.json', async () => {
  const dir = await copyArtefact('no-card')
  await rm(join(dir, CARD_FILE))
  await assertArtefactError(dir, CARD_FILE, /file is missing/)
})

test('loadArtefact - card.json not JSON - ArtefactError naming card.json', async () => {
  const dir = await copyArtefact('corrupt-card')
  const text = await readFile(join(dir, CARD_FILE), 'utf8')
  await writeFile(join(dir, CARD_FILE), text.slice(0, Math.floor(text.length / 2)))
  await assertArtefactError(dir, CARD_FILE, /is not valid JSON/)
})

test('loadArtefact - weights.bin truncated by one byte - ArtefactError naming weights.bin', async () => {
  const dir = await copyArtefact('short-weights')
  const size = (await readFile(join(dir, WEIGHTS_FILE))).length
  await truncate(join(dir, WEIGHTS_FILE), size - 1)
  await assertArtefactError(dir, WEIGHTS_FILE, /SHA-256 does not match card\.json/)
})

test('loadArtefact - weights.bin missing - ArtefactError naming weights.bin', async () => {
  const dir = await copyArtefact('no-weights')
  await rm(join(dir, WEIGHTS_FILE))
  await assertArtefactError(dir, WEIGHTS_FILE, /file is missing/)
})

test('loadArtefact - preprocessing schema hash changed, checksum updated - ArtefactError about the schema hash', async () => {
  const dir = await copyArtefact('other-schema')
  await rewriteWithChecksum(dir, PREPROCESSING_FILE, (p) => { p.schemaHash = 'f'.repeat(64) })
  await assertArtefactError(dir, PREPROCESSING_FILE, /schema hash ffffffffffff.*retrain the model/)
})

test('loadArtefact - preprocessing feature order swapped, checksum updated - ArtefactError about the order', async () => {
  const dir = await copyArtefact('other-order')
  await rewriteWithChecksum(dir, PREPROCESSING_FILE, (p) => {
    const names = [...(p.featureNames as string[])]
    p.featureNames = [names[1], names[0], ...names.slice(2)]
  })
  await assertArtefactError(dir, PREPROCESSING_FILE, /feature order mismatch/)
})

test('loadArtefact - card threshold outside (0, 1) - ArtefactError naming card.json', async () => {
  const dir = await copyArtefact('bad-threshold')
  const card = JSON.parse(await readFile(join(dir, CARD_FILE), 'utf8')) as Record<string, unknown>
  card.threshold = 0
  await writeFile(join(dir, CARD_FILE), JSON.stringify(card))
  await assertArtefactError(dir, CARD_FILE, /"threshold" must be a number between 0 and 1/)
})

// ---------------------------------------------------------------- input checks

test('trainModel - one class only - TrainingDataError naming the count', async () => {
  const zeros = SYNTHETIC.labels.map(() => 0)
  await assert.rejects(trainModel(SYNTHETIC.customers, zeros, OPTIONS), (err: unknown) => {
    assert.ok(err instanceof TrainingDataError)
    assert.equal(err.message, 'training needs both classes: found 0 buyers among 1000 customers')
    return true
  })
})

test('trainModel - customers and labels of different lengths - TrainingDataError', async () => {
  await assert.rejects(trainModel(SYNTHETIC.customers, SYNTHETIC.labels.slice(1), OPTIONS), TrainingDataError)
})

test('trainModel - five customers - TrainingDataError: too few for a test split and the folds', async () => {
  // 2 buyers: 3 folds cannot each hold one.
  const few = SYNTHETIC.customers.slice(0, 5)
  await assert.rejects(trainModel(few, [1, 1, 0, 0, 0], OPTIONS), /too few customers \(5, 2 in the smaller class\) for a test split and 3 cross-fitting folds/)
})

// ---------------------------------------------------------------- the real file

test('trainModel - audiobooks.csv with the default network, 2 folds, patience 5 and at most 15 epochs (for time) - test AUC >= 0.90 and calibrated', async (t) => {
  if (!existsSync(REAL_DATA)) {
    t.skip(`${REAL_DATA} not present`)
    return
  }
  const data = parseCustomerCsv(await readFile(REAL_DATA), { requireTarget: true })
  const result = await trainModel(data.customers, data.labels, { ...DEFAULT_TRAINING_OPTIONS, folds: 2, patience: 5, maxEpochs: 15 })
  try {
    assert.ok(result.test.rocAuc >= 0.9, `test ROC AUC ${result.test.rocAuc}`)
    assert.ok(Math.abs(result.test.meanProbability - result.test.baseRate) < 0.03,
      `mean probability ${result.test.meanProbability} vs base rate ${result.test.baseRate}`)
  } finally {
    result.model.dispose()
  }
})
