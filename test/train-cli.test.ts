// scripts/train.ts through its exported main(argv, io), in this process: exit codes, messages and the
// files it writes. One child process checks that a direct run (`npm run train`) ends with main's code.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { CURRENT_FILE, DEFAULT_MODELS_ROOT, VERSION_RULE, defaultVersionName } from '../src/artefact/models-root.js'
import { CARD_FILE, MODEL_FILE, PREPROCESSING_FILE, REPORT_FILE, WEIGHTS_FILE, loadArtefact } from '../src/artefact/artefact-store.js'
import { HISTORY_FILE, readHistory } from '../src/artefact/promotion-history.js'
import type { ModelCard } from '../src/artefact/model-card.js'
import { initTensorFlow } from '../src/artefact/tensorflow.js'
import { main } from '../scripts/train.js'
import { main as modelsMain } from '../scripts/models.js'
import { makeTempDir } from './helpers/artefact.js'
import { runMain, type CliRun } from './helpers/cli-io.js'
import { columnIndexOf, replaceCell } from './helpers/csv-edit.js'
import { runTrain as spawnTrain } from './helpers/run-train.js'
import { generateCustomers, toCsv } from './helpers/synthetic.js'

/** scripts/train.ts's main() with `args`, in this process. */
function runTrain (args: readonly string[]): Promise<CliRun> {
  return runMain(main, args)
}

// Small and quick: one member, a narrow network, a few epochs (the CLI is tested, not the model).
const QUICK = ['--folds', '2', '--hidden', '16', '--max-epochs', '15', '--patience', '5', '--learning-rate', '0.01', '--batch-size', '64', '--l2', '0', '--quiet']
const ARTEFACT_FILES = [CARD_FILE, MODEL_FILE, PREPROCESSING_FILE, REPORT_FILE, WEIGHTS_FILE].sort()

let work: { dir: string, remove: () => Promise<void> }
let goodCsv: string

async function writeCsv (name: string, text: string): Promise<string> {
  const file = join(work.dir, name)
  await writeFile(file, text)
  return file
}

async function readCard (dir: string): Promise<ModelCard> {
  return JSON.parse(await readFile(join(dir, CARD_FILE), 'utf8')) as ModelCard
}

before(async () => {
  work = await makeTempDir('train-cli')
  goodCsv = await writeCsv('synthetic.csv', toCsv(generateCustomers(600, 21), 'kaggle', '\r\n'))
})

after(async () => {
  await work?.remove()
})

test('train CLI - --help - exits 0 and documents --data and --seed', async () => {
  const run = await runTrain(['--help'])
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stdout, /^Usage: /)
  assert.match(run.stdout, /--data FILE/)
  assert.match(run.stdout, /--seed N/)
  assert.match(run.stdout, /--models-dir DIR/)
  assert.match(run.stdout, /--force/)
  // The default models root is the project's models/ whatever the working directory, and --help says where.
  assert.ok(run.stdout.includes(`(default: ${DEFAULT_MODELS_ROOT})`), 'help names the absolute default models root')
  assert.ok(run.stdout.includes(VERSION_RULE), 'help states the version rule')
  assert.equal(run.stderr, '')
})

test('train CLI - unknown flag - exits 2 naming the flag, no stack trace', async () => {
  const run = await runTrain(['--epochs', '3'])
  assert.equal(run.code, 2)
  assert.match(run.stderr, /^train: Unknown option '--epochs'/)
  assert.match(run.stderr, /Run with --help for usage\./)
  assert.doesNotMatch(run.stderr, /\n\s+at /)
})

test('train CLI - invalid number - exits 2 naming the flag and value', async () => {
  const seed = await runTrain(['--data', goodCsv, '--seed', 'abc'])
  assert.equal(seed.code, 2)
  assert.match(seed.stderr, /^train: --seed has an invalid value "abc"\n/)
  const ensemble = await runTrain(['--data', goodCsv, '--folds=1'])
  assert.equal(ensemble.code, 2)
  assert.match(ensemble.stderr, /^train: --folds has an invalid value "1"\n/)
})

test('train CLI - --version outside the shared version rule - exits 2 stating the rule, before reading data', async () => {
  for (const version of ['.hidden', 'a/b', 'x'.repeat(129)]) {
    const run = await runTrain(['--data', join(work.dir, 'never-read.csv'), '--version', version])
    assert.equal(run.code, 2, version)
    assert.equal(run.stderr, `train: --version may contain only ${VERSION_RULE}\nRun with --help for usage.\n`, version)
    assert.equal(run.stdout, '')
  }
})

test('train CLI - an unexpected error - exits 1 with the stack', async () => {
  const failing = new Writable({ write () { throw new Error('stdout is broken') } })
  const run = await runMain(main, ['--help'], { stdout: failing })
  assert.equal(run.code, 1)
  assert.match(run.stderr, /^train: Error: stdout is broken\n\s+at /)
})

test('train CLI - missing data file - exits 2 naming the file', async () => {
  const missing = join(work.dir, 'nope.csv')
  const unused = join(work.dir, 'unused')
  const run = await runTrain(['--data', missing, '--models-dir', unused])
  assert.equal(run.code, 2)
  assert.ok(run.stderr.startsWith(`train: cannot read data file ${missing}: ENOENT`), run.stderr)
  assert.doesNotMatch(run.stderr, /\n\s+at /)
  assert.equal(existsSync(unused), false)
})

test('train CLI - data with one class only - exits 2 with a clear message', async () => {
  const data = generateCustomers(50, 22)
  const file = await writeCsv('no-buyers.csv', toCsv({ customers: data.customers, labels: data.labels.map(() => 0) }, 'api'))
  const modelsDir = join(work.dir, 'one-class')
  const run = await runTrain(['--data', file, '--models-dir', modelsDir, ...QUICK])
  assert.equal(run.code, 2, run.stderr)
  assert.match(run.stderr, /train: training needs both classes: found 0 buyers among 50 customers/)
  assert.doesNotMatch(run.stderr, /\n\s+at /)
  assert.equal(existsSync(modelsDir), false)
})

test('train CLI - a bad row - exits 2 naming row, line and column', async () => {
  const text = replaceCell(toCsv(generateCustomers(30, 23), 'kaggle'), 5, columnIndexOf('completion'), '1.5')
  const file = await writeCsv('bad-row.csv', text)
  const run = await runTrain(['--data', file, '--models-dir', join(work.dir, 'bad-row'), ...QUICK])
  assert.equal(run.code, 2, run.stderr)
  assert.match(run.stderr, /^train: row 4 \(line 5\), column Completion: must be <= 1, got "1\.5"\n/)
  assert.doesNotMatch(run.stderr, /\n\s+at /)
})

test('train CLI - full small run - writes the five artefact files (report.html included), CURRENT naming the version and a HISTORY line', async () => {
  const modelsDir = join(work.dir, 'models-full')
  const run = await runTrain(['--data', goodCsv, '--models-dir', modelsDir, '--seed', '5', ...QUICK])
  assert.equal(run.code, 0, run.stderr)
  const version = (await readFile(join(modelsDir, CURRENT_FILE), 'utf8')).trim()
  assert.match(version, /^v\d{8}-[0-9a-f]{8}$/)
  assert.deepEqual((await readdir(modelsDir)).sort(), [CURRENT_FILE, HISTORY_FILE, version].sort())
  assert.deepEqual((await readHistory(modelsDir)).map((p) => [p.from, p.to, p.reason]), [[null, version, 'train']])
  const dir = join(modelsDir, version)
  assert.deepEqual((await readdir(dir)).sort(), ARTEFACT_FILES)
  // The version ends with the first 8 hex digits of the weights' SHA-256.
  const weights = await readFile(join(dir, WEIGHTS_FILE))
  assert.equal(version.slice(-8), createHash('sha256').update(weights).digest('hex').slice(0, 8))
  const card = await readCard(dir)
  assert.equal(card.version, version)
  assert.equal(version, defaultVersionName(new Date(card.createdAt), createHash('sha256').update(weights).digest('hex')), 'the shared version rule')
  assert.equal(card.data.rows, 600)
  assert.equal(card.data.skippedRows, 0)
  assert.equal(card.data.layout, 'kaggle')
  assert.equal(card.data.file, 'synthetic.csv')
  assert.equal(card.data.sha256, createHash('sha256').update(await readFile(goodCsv)).digest('hex'))
  assert.equal(card.training.seed, 5)
  assert.equal(card.training.options.folds, 2)
  assert.equal(card.metrics.crossValidation?.folds, 2)
  assert.equal(card.metrics.crossValidation?.outOfFold.rows, card.data.splits.train)
  assert.ok(card.dataQuirks !== undefined && card.dataQuirks.length > 0, 'the data quirks are on the card')
  assert.deepEqual(card.training.options.hiddenUnits, [16])
  assert.match(run.stdout, new RegExp(`Model written to .*${version} \\(now the default: CURRENT\\)`))
  assert.match(run.stdout, /ROC AUC \d\.\d{4}/)
})

test('train CLI - --skip-invalid - reports the skipped rows and trains on the rest', async () => {
  let text = toCsv(generateCustomers(600, 24), 'api')
  text = replaceCell(text, 4, columnIndexOf('completion'), '1.5') // data row 3
  text = replaceCell(text, 11, columnIndexOf('priceAvg'), 'free') // data row 10
  const file = await writeCsv('two-bad-rows.csv', text)
  const modelsDir = join(work.dir, 'models-skip')
  const run = await runTrain(['--data', file, '--models-dir', modelsDir, '--version', 'skip-test', '--no-promote', '--skip-invalid', ...QUICK])
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stderr, /read 598 customers from .*two-bad-rows\.csv \(api layout\)/)
  assert.match(run.stderr, /skipped 2 invalid rows:\n {2}row 3 \(line 4\), column completion: must be <= 1, got "1\.5"\n {2}row 10 \(line 11\), column priceAvg: must be a number, got "free"\n/)
  const card = await readCard(join(modelsDir, 'skip-test'))
  assert.equal(card.data.rows, 598)
  assert.equal(card.data.skippedRows, 2)
  assert.equal(card.data.layout, 'api')
  // --no-promote: no CURRENT file.
  assert.equal(existsSync(join(modelsDir, CURRENT_FILE)), false)
  assert.doesNotMatch(run.stdout, /now the default/)
})

test('train CLI - --version naming an existing folder - exits 1 naming it and writes nothing, before reading the data; --force overwrites', async () => {
  const modelsDir = join(work.dir, 'models-existing')
  assert.equal((await runTrain(['--data', goodCsv, '--models-dir', modelsDir, '--version', 'v1', '--seed', '1', ...QUICK])).code, 0)
  const dir = join(modelsDir, 'v1')
  const snapshot = async (): Promise<string[]> => await Promise.all([join(dir, CARD_FILE), join(dir, WEIGHTS_FILE), join(modelsDir, CURRENT_FILE), join(modelsDir, HISTORY_FILE)]
    .map(async (file) => createHash('sha256').update(await readFile(file)).digest('hex')))
  const written = await snapshot()
  const refused = await runTrain(['--data', join(work.dir, 'never-read.csv'), '--models-dir', modelsDir, '--version', 'v1', ...QUICK])
  assert.equal(refused.code, 1, refused.stderr)
  assert.equal(refused.stderr, `train: ${dir} already exists; nothing was written. Choose another --version, or --force to overwrite it\n`)
  assert.equal(refused.stdout, '')
  assert.deepEqual(await snapshot(), written, 'artefact, CURRENT and HISTORY unchanged')
  const forced = await runTrain(['--data', goodCsv, '--models-dir', modelsDir, '--version', 'v1', '--seed', '2', '--force', ...QUICK])
  assert.equal(forced.code, 0, forced.stderr)
  assert.equal((await readCard(dir)).training.seed, 2, 'overwritten')
  // Retraining the current version in place changes no version: no second HISTORY line.
  assert.equal((await readHistory(modelsDir)).length, 1)
})

test('train CLI - two promoting runs - HISTORY records both, and `models rollback` returns to the first', async () => {
  const modelsDir = join(work.dir, 'models-rollback')
  for (const version of ['first', 'second']) {
    const run = await runTrain(['--data', goodCsv, '--models-dir', modelsDir, '--version', version, ...QUICK])
    assert.equal(run.code, 0, run.stderr)
  }
  assert.deepEqual((await readHistory(modelsDir)).map((p) => [p.from, p.to, p.reason]), [[null, 'first', 'train'], ['first', 'second', 'train']])
  const rollback = await runMain(modelsMain, ['rollback', '--models-dir', modelsDir])
  assert.equal(rollback.code, 0, rollback.stderr)
  assert.equal((await readFile(join(modelsDir, CURRENT_FILE), 'utf8')).trim(), 'first')
})

test('train CLI - artefact of a full run - loads and passes every check', async () => {
  await initTensorFlow()
  const modelsDir = join(work.dir, 'models-load')
  const run = await runTrain(['--data', goodCsv, '--models-dir', modelsDir, '--version', 'load-test', ...QUICK])
  assert.equal(run.code, 0, run.stderr)
  const loaded = await loadArtefact(join(modelsDir, 'load-test'))
  try {
    assert.equal(loaded.card.version, 'load-test')
    assert.ok(loaded.card.threshold > 0 && loaded.card.threshold < 1)
  } finally {
    loaded.model.dispose()
  }
})

test('train CLI - weak model (5 epochs of 8 units, slow learning) - still writes a loadable artefact', async () => {
  await initTensorFlow()
  const file = await writeCsv('weak.csv', toCsv(generateCustomers(600, 3), 'kaggle'))
  const modelsDir = join(work.dir, 'models-weak')
  const run = await runTrain(['--data', file, '--models-dir', modelsDir, '--version', 'weak', '--folds', '2', '--hidden', '8', '--max-epochs', '5',
    '--learning-rate', '0.001', '--batch-size', '64', '--l2', '0', '--quiet'])
  assert.equal(run.code, 0, run.stderr)
  const loaded = await loadArtefact(join(modelsDir, 'weak'))
  loaded.model.dispose()
  const card = await readCard(join(modelsDir, 'weak'))
  assert.ok(Math.abs(card.calibration.slope) < 10, `Platt slope ${card.calibration.slope}`)
})

test('train CLI - run directly (node --import tsx scripts/train.ts) - main\'s exit code is the process\'s: an unknown flag exits 2', async () => {
  const run = await spawnTrain(['--epochs', '3'])
  assert.equal(run.code, 2, run.stderr)
  assert.equal(run.stderr, "train: Unknown option '--epochs'\nRun with --help for usage.\n")
  assert.equal(run.stdout, '')
})
