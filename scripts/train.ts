// CLI: customer CSV -> features -> cross-fit -> calibrate -> evaluate -> versioned artefact under the models root.
// Run `npm run train -- --help` for the flags. main(argv, io) is exported for in-process tests.
import { readFile, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { DEFAULT_MODELS_ROOT, VERSION_RULE, defaultVersionName, isValidVersion } from '../src/artefact/models-root.js'
import { CsvDataError, describeProblem, parseCustomerCsv } from '../src/domain/customer-csv.js'
import { FEATURE_DESCRIPTIONS, PREPROCESSING_HASH } from '../src/domain/features.js'
import type { ModelCard } from '../src/artefact/model-card.js'
import { serializeModel, sha256, writeArtefact } from '../src/artefact/artefact-store.js'
import { readCurrentVersion } from '../src/artefact/model-catalog.js'
import { PromotionLockedError, recordPromotion, withPromotionLock } from '../src/artefact/promotion-history.js'
import { renderReport } from '../src/training/report/render-report.js'
import { initTensorFlow, tensorFlowVersions } from '../src/artefact/tensorflow.js'
import { DEFAULT_TRAINING_OPTIONS, TrainingDataError, trainModel } from '../src/training/pipeline.js'
import { SEARCH_GRID, SEARCH_RANKING, describeCandidate, formatSearchTable, searchHyperparameters, type SearchRow } from '../src/training/hyperparameter-search.js'
import type { TrainingOptions } from '../src/artefact/model-card.js'
import { formatSummary } from '../src/training/summary.js'
import { EXIT_OK, RefusedError, UsageError, isDirectRun, numberFlag, reportFailure, type CliIo } from './cli-args.js'

const DEFAULT_DATA_FILE = '../shared/data/audiobooks.csv'

const HELP = `Usage: npm run train -- [options]

Trains the buy-again model and writes a versioned artefact directory
(model.json, weights.bin, preprocessing.json, card.json, report.html) under --models-dir.

Data
  --data FILE           customer CSV: Kaggle header, API field names, or the headerless
                        course file (default: ${DEFAULT_DATA_FILE})
  --skip-invalid        skip malformed rows and report them (default: stop at the first)

Output
  --models-dir DIR      parent directory of artefacts (default: ${DEFAULT_MODELS_ROOT})
  --version NAME        artefact directory name: ${VERSION_RULE}
                        (default: v<UTC date>-<first 8 hex digits of the weights' SHA-256>).
                        An existing directory is never overwritten: exit code 1, nothing written
  --force               overwrite an existing artefact directory of that name
  --no-promote          do not make this artefact the default (models-dir/CURRENT; when it
                        does, the change is appended to models-dir/HISTORY, reason "train")

Model (a ${Math.round(DEFAULT_TRAINING_OPTIONS.testFraction * 100)}% stratified test split is held out; the rest is cross-fitted)
  --folds K             cross-fitting folds, one MLP per fold: member k learns on the other
                        folds and early-stops on fold k; their logits are averaged (default: ${DEFAULT_TRAINING_OPTIONS.folds})
  --seed N              seed for splits, initial weights, shuffling and dropout (default: ${DEFAULT_TRAINING_OPTIONS.seed})
  --hidden A,B          hidden layer sizes (default: ${DEFAULT_TRAINING_OPTIONS.hiddenUnits.join(',')})
  --l2 X                L2 penalty on hidden kernels (default: ${DEFAULT_TRAINING_OPTIONS.l2})
  --dropout X           dropout rate after each hidden layer, 0 <= X < 1 (default: ${DEFAULT_TRAINING_OPTIONS.dropout ?? 0})
  --learning-rate X     Adam learning rate (default: ${DEFAULT_TRAINING_OPTIONS.learningRate})
  --batch-size N        mini-batch size (default: ${DEFAULT_TRAINING_OPTIONS.batchSize})
  --max-epochs N        upper bound on epochs per member (default: ${DEFAULT_TRAINING_OPTIONS.maxEpochs})
  --patience N          epochs without improvement on the member's own fold before stopping (default: ${DEFAULT_TRAINING_OPTIONS.patience})
  --no-calibrate        skip Platt scaling on the out-of-fold predictions
  --search              first cross-fit a grid of ${SEARCH_GRID.length} configurations (hidden 16-8 / 32-16 / 64-64,
                        L2 0 / 1e-4 / 1e-3, dropout 0 / 0.2), print them ranked by out-of-fold
                        log loss, then train with the best (overrides --hidden, --l2, --dropout);
                        the card records the table. About ${SEARCH_GRID.length} times a plain run

  --quiet               no per-epoch lines
  -h, --help            this text

Exit codes: 0 trained; 2 bad flags or data (names row, line and column); 1 the version exists
(without --force) or an unexpected error.
`

function parseTrainArgs (argv: string[]): { options: TrainingOptions, data: string, modelsDir: string, version: string | undefined, force: boolean, promote: boolean, search: boolean, skipInvalid: boolean, quiet: boolean, help: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      data: { type: 'string' },
      'skip-invalid': { type: 'boolean' },
      'models-dir': { type: 'string' },
      version: { type: 'string' },
      force: { type: 'boolean' },
      'no-promote': { type: 'boolean' },
      seed: { type: 'string' },
      folds: { type: 'string' },
      dropout: { type: 'string' },
      search: { type: 'boolean' },
      hidden: { type: 'string' },
      'learning-rate': { type: 'string' },
      'batch-size': { type: 'string' },
      l2: { type: 'string' },
      'max-epochs': { type: 'string' },
      patience: { type: 'string' },
      'no-calibrate': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  const d = DEFAULT_TRAINING_OPTIONS
  const positiveInt = (n: number): boolean => Number.isInteger(n) && n > 0
  const hiddenUnits = values.hidden === undefined
    ? d.hiddenUnits
    : values.hidden.split(',').map((t) => numberFlag('hidden', t, positiveInt) as number)
  const version = values.version
  if (version !== undefined && !isValidVersion(version)) throw new UsageError(`--version may contain only ${VERSION_RULE}`)
  return {
    options: {
      ...d,
      seed: numberFlag('seed', values.seed, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 31) ?? d.seed,
      folds: numberFlag('folds', values.folds, (n) => Number.isInteger(n) && n >= 2 && n <= 20) ?? d.folds,
      dropout: numberFlag('dropout', values.dropout, (n) => n >= 0 && n < 1) ?? d.dropout,
      hiddenUnits,
      learningRate: numberFlag('learning-rate', values['learning-rate'], (n) => n > 0 && n < 1) ?? d.learningRate,
      batchSize: numberFlag('batch-size', values['batch-size'], positiveInt) ?? d.batchSize,
      l2: numberFlag('l2', values.l2, (n) => n >= 0) ?? d.l2,
      maxEpochs: numberFlag('max-epochs', values['max-epochs'], positiveInt) ?? d.maxEpochs,
      patience: numberFlag('patience', values.patience, positiveInt) ?? d.patience,
      calibrate: values['no-calibrate'] !== true
    },
    data: values.data ?? DEFAULT_DATA_FILE,
    modelsDir: values['models-dir'] ?? DEFAULT_MODELS_ROOT,
    version,
    force: values.force === true,
    promote: values['no-promote'] !== true,
    search: values.search === true,
    skipInvalid: values['skip-invalid'] === true,
    quiet: values.quiet === true,
    help: values.help === true
  }
}

/**
 * Runs the training CLI with `argv` (the flags, without node and the script) and returns the exit code:
 * 0 trained, 2 the user's to fix (message only), 1 unexpected (with the stack).
 */
export async function main (argv: string[], io: CliIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout
  const stderr = io.stderr ?? process.stderr
  try {
    await train(argv, stdout, stderr)
    return EXIT_OK
  } catch (err) {
    // Bad flags and bad data are the user's to fix: a message, no stack. Anything else is a bug: the stack.
    return reportFailure('train', err, stderr, (e) => e instanceof CsvDataError || e instanceof TrainingDataError)
  }
}

/**
 * Refuses to write over an existing artefact directory unless `force`: a version name stands for one
 * model, which a server, HISTORY and rollback may rely on.
 */
async function refuseExisting (dir: string, force: boolean): Promise<void> {
  if (force || await stat(dir).catch(() => null) === null) return
  throw new RefusedError(`${dir} already exists; nothing was written. Choose another --version, or --force to overwrite it`)
}

async function train (argv: string[], stdout: Writable, stderr: Writable): Promise<void> {
  const args = parseTrainArgs(argv)
  if (args.help) {
    stdout.write(HELP)
    return
  }
  // Before reading data or training: minutes of work must not end in a refusal that was known at once.
  if (args.version !== undefined) await refuseExisting(join(args.modelsDir, args.version), args.force)
  const started = performance.now()
  let bytes: Buffer
  try {
    bytes = await readFile(args.data)
  } catch (err) {
    throw new UsageError(`cannot read data file ${args.data}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Download audiobook_data_2.csv from Kaggle (see README) or pass --data FILE.`)
  }
  const data = parseCustomerCsv(bytes, { requireTarget: true, skipInvalid: args.skipInvalid })
  const log = (line: string): void => { stderr.write(line + '\n') }
  log(`read ${data.customers.length} customers from ${args.data} (${data.layout} layout)`)
  if (data.skipped.length > 0) {
    log(`skipped ${data.skipped.length} invalid rows:`)
    for (const p of data.skipped.slice(0, 20)) log(`  ${describeProblem(p)}`)
    if (data.skipped.length > 20) log(`  ... and ${data.skipped.length - 20} more`)
  }

  await initTensorFlow('wasm')
  let options = args.options
  let search: SearchRow[] | undefined
  if (args.search) {
    log(`searching ${SEARCH_GRID.length} configurations, each cross-fitted over ${options.folds} folds of the training rows`)
    search = await searchHyperparameters(data.customers, data.labels, options, SEARCH_GRID, (row, done) => {
      log(`  ${String(done).padStart(2)}/${SEARCH_GRID.length}  ${describeCandidate(row)}: out-of-fold log loss ${row.logLoss.toFixed(4)}  (${row.seconds.toFixed(1)} s)`)
    })
    const best = search[0] as SearchRow
    stdout.write(`\nHyperparameter search, ranked by ${SEARCH_RANKING}:\n${formatSearchTable(search)}Training with the best: ${describeCandidate(best)}\n`)
    options = { ...options, hiddenUnits: best.hiddenUnits, l2: best.l2, dropout: best.dropout }
  }
  const result = await trainModel(data.customers, data.labels, options, args.quiet
    ? undefined
    : (r) => log(`member ${r.member + 1}/${options.folds} epoch ${String(r.epoch).padStart(3)}  loss ${r.loss.toFixed(4)}  val_loss ${r.validationLoss.toFixed(4)}${r.improved ? ' *' : '  '}  ${r.elapsedSeconds.toFixed(1)} s`))
  // Disposed on every path: main() runs inside test processes that train many times.
  try {
    const { modelJson, weights } = await serializeModel(result.model)
    const createdAt = new Date()
    const version = args.version ?? defaultVersionName(createdAt, sha256(weights))
    const dir = join(args.modelsDir, version)
    // Again: the default name is known only now, and a named directory may have appeared meanwhile.
    await refuseExisting(dir, args.force)
    const seconds = (performance.now() - started) / 1000
    const card: Omit<ModelCard, 'files'> = {
      version,
      createdAt: createdAt.toISOString(),
      description: `Probability that an audiobook customer buys again within 6 months: ${options.folds} small neural networks (${options.hiddenUnits.join('x')} ReLU), each trained on a different ${options.folds - 1}/${options.folds} of the training customers; their scores are averaged${options.calibrate ? ' and rescaled so that predicted probabilities match observed buying rates' : ''}.`,
      threshold: result.threshold,
      thresholdMethod: result.thresholdMethod,
      baseRate: result.trainingBaseRate,
      calibration: { method: options.calibrate ? 'Platt scaling of the mean logit, fitted on the out-of-fold logits of every training row' : 'none', ...result.calibration },
      metrics: { test: result.test, crossValidation: result.crossValidation },
      dataQuirks: result.dataQuirks,
      featureImportance: result.featureImportance,
      features: result.fieldStatistics,
      inputDistribution: result.inputDistribution,
      data: { file: basename(args.data), sha256: sha256(bytes), layout: data.layout, rows: data.customers.length, skippedRows: data.skipped.length, splits: result.rows },
      training: {
        seed: options.seed,
        options,
        members: result.members,
        seconds,
        ...(search !== undefined ? { search: { rankedBy: SEARCH_RANKING, rows: search } } : {})
      },
      libraries: { ...tensorFlowVersions(), node: process.version }
    }
    const reportHtml = await renderReport({ card, testScores: result.testPredictions.scores, testLabels: result.testPredictions.labels })
    await writeArtefact(dir, {
      modelJson,
      weights,
      preprocessing: { ...result.stats, schemaHash: PREPROCESSING_HASH, featureDescriptions: FEATURE_DESCRIPTIONS },
      card,
      reportHtml
    })
    if (args.promote) {
      try {
        await withPromotionLock(args.modelsDir, async () => {
          const previous = await readCurrentVersion(args.modelsDir)
          // Retraining the current version in place (--force) changes its files, not which version is current.
          if (previous !== version) await recordPromotion(args.modelsDir, previous, version, 'train')
          else log(`${version} is the version CURRENT names: running servers keep the model they loaded until another version is promoted or they restart, and new servers load these files. Train under a new version to swap it in live`)
        })
      } catch (err) {
        if (!(err instanceof PromotionLockedError)) throw err
        throw new RefusedError(`${dir} was written but not promoted: ${err.message}. Promote it with npm run models -- promote ${version}`)
      }
    }
    stdout.write(formatSummary(result, { dir, promoted: args.promote, seconds }))
  } finally {
    result.model.dispose()
  }
}

if (isDirectRun(import.meta.url)) process.exitCode = await main(process.argv.slice(2))
