// CLI: the operator's side of the model lifecycle over a models root: list the versions, diff two
// cards, promote a verified version (optionally compared with the current one on a labelled file),
// roll back. CURRENT changes only through recordPromotion, so HISTORY holds every change.
// Run `npm run models -- --help` for the commands. main(argv, io) is exported for in-process tests.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { CardReadError, listVersions, readCard, readCurrentVersion } from '../src/artefact/model-catalog.js'
import { CURRENT_FILE, DEFAULT_MODELS_ROOT, VERSION_RULE, isValidVersion } from '../src/artefact/models-root.js'
import { HISTORY_FILE, PromotionLockedError, ROLLBACK_REASON, readHistory, recordPromotion, rollbackTarget, withPromotionLock } from '../src/artefact/promotion-history.js'
import { CsvDataError, parseCustomerCsv } from '../src/domain/customer-csv.js'
import { counted } from '../src/domain/counted.js'
import type { CustomerInputs } from '../src/domain/customer.js'
import { countPositives } from '../src/evaluation/classifier-metrics.js'
import {
  DEFAULT_LOG_LOSS_TOLERANCE, MAX_CALIBRATION_ERROR, hasBothClasses, labelledFileMetrics, promotionRefusals, type LabelledFileMetrics
} from '../src/evaluation/promotion-gate.js'
import type { Predictor } from '../src/model/predictor.js'
import { EXIT_OK, InputError, RefusedError, UsageError, isDirectRun, numberFlag, reportFailure, type CliIo } from './cli-args.js'

const HELP = `Usage: npm run models -- <command> [options]

The model versions of a models root. CURRENT names the version the server loads; every change of
it is appended to HISTORY (time, from, to, reason), which is what rollback reads.

Commands
  list                  every version: created, test ROC AUC, log loss and calibration error from
                        its card; * marks the current one
  promote <version>     verify the artefact (checksums, preprocessing hash, the executor's check
                        against model.predict, warm-up), then make it current. A version that fails
                        is refused, naming the file; --force never overrides that
    --data FILE         labelled customer CSV (a Target column): the candidate and the current
                        model score it first and are shown side by side; refused when the
                        candidate's log loss is worse than the current's by more than the
                        tolerance, or its calibration error is above ${MAX_CALIBRATION_ERROR}
    --tolerance X       log loss increase allowed with --data (default: ${DEFAULT_LOG_LOSS_TOLERANCE})
    --force             with --data: promote even when the comparison refuses (HISTORY says so)
    --reason TEXT       why, recorded in HISTORY
  rollback              make current again the version that was current before the last
                        promotion (each rollback undoes one more), verified as promote does
  diff <a> <b>          two versions' card figures side by side: test metrics, threshold, base
                        rate, feature importance, training data and options

Options
  --models-dir DIR      the models root (default: ${DEFAULT_MODELS_ROOT})
  -h, --help            this text

Exit codes: 0 done (promoting the current version does nothing and exits 0); 1 refused (a file
failing verification, the --data comparison, nothing to roll back to, an unknown version: CURRENT
and HISTORY unchanged) or an unexpected error (with the stack); 2 bad usage or an unreadable
--data file or models root.
`

const COMMANDS = ['list', 'promote', 'rollback', 'diff'] as const
type Command = (typeof COMMANDS)[number]

/** The version names each command takes after its name. */
const OPERANDS: Readonly<Record<Command, readonly string[]>> = {
  list: [],
  promote: ['<version>'],
  rollback: [],
  diff: ['<a>', '<b>']
}

interface ModelsArgs {
  readonly command: Command
  readonly versions: readonly string[]
  readonly modelsDir: string
  readonly data: string | null
  readonly tolerance: number
  readonly force: boolean
  readonly reason: string | null
}

function parseModelsArgs (argv: string[]): ModelsArgs | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      'models-dir': { type: 'string' },
      data: { type: 'string' },
      tolerance: { type: 'string' },
      force: { type: 'boolean' },
      reason: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  if (values.help === true) return 'help'
  const [name, ...versions] = positionals
  if (name === undefined) throw new UsageError(`a command is required: ${COMMANDS.join(', ')}`)
  if (!(COMMANDS as readonly string[]).includes(name)) throw new UsageError(`unknown command "${name.slice(0, 40)}": ${COMMANDS.join(', ')}`)
  const command = name as Command
  const operands = OPERANDS[command]
  if (versions.length !== operands.length) {
    throw new UsageError(`${command} takes ${operands.length === 0 ? 'no version' : operands.join(' ')}, got ${versions.length === 0 ? 'none' : versions.join(' ')}`)
  }
  for (const version of versions) {
    if (!isValidVersion(version)) throw new UsageError(`"${version.slice(0, 80)}" is not a version name: ${VERSION_RULE}`)
  }
  // Flags that would do nothing are refused, so a typo in a script does not pass for a check that ran.
  if (command !== 'promote') {
    for (const flag of ['data', 'tolerance', 'force', 'reason'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to promote only`)
    }
  } else if (values.data === undefined) {
    if (values.tolerance !== undefined) throw new UsageError('--tolerance applies with --data only')
    if (values.force !== undefined) throw new UsageError('--force overrides the --data comparison: without --data there is none')
  }
  if (values.data === '') throw new UsageError('--data needs a file name')
  if (values['models-dir'] === '') throw new UsageError('--models-dir needs a directory')
  const reason = values.reason?.trim() ?? null
  if (reason === '') throw new UsageError('--reason needs some text')
  return {
    command,
    versions,
    modelsDir: values['models-dir'] ?? DEFAULT_MODELS_ROOT,
    data: values.data ?? null,
    tolerance: numberFlag('tolerance', values.tolerance, (n) => n >= 0) ?? DEFAULT_LOG_LOSS_TOLERANCE,
    force: values.force === true,
    reason
  }
}

/** Lines of aligned columns, two spaces apart, no trailing spaces. */
function formatTable (rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length) })
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd() + '\n').join('')
}

function fixed (value: number | null, digits = 4): string {
  return value === null ? '-' : value.toFixed(digits)
}

async function requireModelsRoot (root: string): Promise<void> {
  const info = await stat(root).catch((err: NodeJS.ErrnoException) => err)
  if (info instanceof Error) throw new InputError(`cannot read the models root ${root}: ${info.code ?? info.message}`)
  if (!info.isDirectory()) throw new InputError(`the models root ${root} is not a directory`)
}

async function requireVersionDir (root: string, version: string): Promise<string> {
  const dir = join(root, version)
  const info = await stat(dir).catch(() => null)
  if (info?.isDirectory() !== true) throw new RefusedError(`there is no version ${version} in ${root} (npm run models -- list shows them)`)
  return dir
}

async function list (root: string, out: (text: string) => void): Promise<void> {
  const [entries, current] = await Promise.all([listVersions(root), readCurrentVersion(root)])
  if (entries.length === 0) {
    out(`no versions in ${root}\n`)
    return
  }
  const withProblems = entries.some((e) => e.problem !== null)
  const header = ['', 'version', 'created', 'test ROC AUC', 'log loss', 'calibration error', ...(withProblems ? ['problem'] : [])]
  const rows = entries.map((e) => [
    e.version === current ? '*' : '',
    e.version,
    e.createdAt ?? '-',
    fixed(e.rocAuc),
    fixed(e.logLoss),
    fixed(e.calibrationError),
    ...(withProblems ? [e.problem ?? ''] : [])
  ])
  out(formatTable([header, ...rows]))
  if (current === null) out(`\nno version is current: ${join(root, CURRENT_FILE)} is missing or names none\n`)
  else if (!entries.some((e) => e.version === current)) out(`\n${join(root, CURRENT_FILE)} names ${current}, which is not an artefact in ${root}\n`)
  else out(`\n* current (${join(root, CURRENT_FILE)})\n`)
}

/** The card value at `path`, or undefined. */
function at (card: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = card
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

/** A card value as text; numbers rounded to `digits` unless null (options: shown as written). */
function show (value: unknown, digits: number | null = 4): string {
  if (value === undefined || value === null) return '-'
  if (typeof value === 'number') return Number.isInteger(value) || digits === null ? String(value) : value.toFixed(digits)
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

/** Feature importance of a card as field -> aucDrop. */
function importanceOf (card: Record<string, unknown>): Map<string, unknown> {
  const list = at(card, ['featureImportance'])
  const byField = new Map<string, unknown>()
  if (!Array.isArray(list)) return byField
  for (const item of list as unknown[]) {
    const field = at(item as Record<string, unknown>, ['field'])
    if (typeof field === 'string') byField.set(field, at(item as Record<string, unknown>, ['aucDrop']))
  }
  return byField
}

function keysOf (value: unknown): string[] {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : []
}

async function diff (root: string, a: string, b: string, out: (text: string) => void): Promise<void> {
  const cards = await Promise.all([a, b].map(async (version) => {
    await requireVersionDir(root, version)
    try {
      return await readCard(root, version)
    } catch (err) {
      if (err instanceof CardReadError) throw new RefusedError(err.message)
      throw err
    }
  })) as [Record<string, unknown>, Record<string, unknown>]
  const rows: string[][] = [['', a, b]]
  const section = (title: string): void => { rows.push([title]) }
  // Rows whose figures differ are marked, so a long list of equal options does not hide the one that changed.
  const pair = (label: string, values: readonly string[]): void => { rows.push([label, ...values, values[0] === values[1] ? '' : '*']) }
  const row = (label: string, pick: (card: Record<string, unknown>) => unknown, digits: number | null = 4): void => {
    pair(label, cards.map((card) => show(pick(card), digits)))
  }
  row('created', (c) => at(c, ['createdAt']))
  section('test split')
  const test = (key: string) => (c: Record<string, unknown>) => at(c, ['metrics', 'test', key])
  row('  customers', test('rows'))
  row('  ROC AUC', test('rocAuc'))
  row('  PR AUC', test('prAuc'))
  row('  log loss', test('logLoss'))
  row('  Brier score', test('brierScore'))
  row('  calibration error', test('expectedCalibrationError'))
  row('  top-10% capture', test('captureTop10'))
  row('  top-20% capture', test('captureTop20'))
  row('threshold', (c) => at(c, ['threshold']))
  row('base rate', (c) => at(c, ['baseRate']))
  section('feature importance (AUC drop)')
  const importance = cards.map(importanceOf)
  // a's order (most important first), then fields only b has.
  for (const field of new Set([...importance[0]?.keys() ?? [], ...importance[1]?.keys() ?? []])) {
    pair(`  ${field}`, importance.map((m) => show(m.get(field))))
  }
  section('training data')
  row('  file', (c) => at(c, ['data', 'file']))
  row('  sha256', (c) => { const sha = at(c, ['data', 'sha256']); return typeof sha === 'string' ? sha.slice(0, 12) : sha })
  row('  rows', (c) => at(c, ['data', 'rows']))
  // Cross-fitted artefacts have folds and no validation split; older ones the reverse ("-" for absent).
  row('  splits train/val/test/folds', (c) => at(c, ['data', 'splits']) === undefined
    ? undefined
    : ['train', 'validation', 'test', 'folds'].map((k) => at(c, ['data', 'splits', k]) === undefined ? '-' : show(at(c, ['data', 'splits', k]))).join('/'))
  section('training options')
  for (const key of new Set(cards.flatMap((c) => keysOf(at(c, ['training', 'options']))))) {
    row(`  ${key}`, (c) => at(c, ['training', 'options', key]), null)
  }
  out(formatTable(rows) + '\n* differs\n')
}

interface LabelledFile {
  readonly path: string
  readonly customers: CustomerInputs[]
  readonly labels: number[]
}

async function readLabelledFile (path: string): Promise<LabelledFile> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    throw new InputError(`cannot read data file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const { customers, labels } = parseCustomerCsv(bytes, { requireTarget: true })
  if (!hasBothClasses(labels)) {
    throw new InputError(`${path} cannot compare models: it needs buyers and non-buyers, found ${counted(countPositives(labels), 'buyer')} among ${counted(labels.length, 'customer')}`)
  }
  return { path, customers, labels }
}

/** The model runtime, imported on first use: TensorFlow.js takes a second to load, which list and diff need not wait for. */
async function modelRuntime (): Promise<{ verify: (root: string, version: string) => Promise<Predictor>, isArtefactError: (err: unknown) => boolean }> {
  const [{ loadVerifiedModel }, { ArtefactError }, { initTensorFlow }] = await Promise.all([
    import('../src/model/model-loader.js'),
    import('../src/artefact/artefact-store.js'),
    import('../src/artefact/tensorflow.js')
  ])
  await initTensorFlow('wasm')
  return {
    verify: async (root, version) => await loadVerifiedModel(join(root, version), version),
    isArtefactError: (err) => err instanceof ArtefactError
  }
}

/** Loads `version` through every check the server makes; a failure is a refusal naming the file. */
async function verifiedModel (runtime: Awaited<ReturnType<typeof modelRuntime>>, root: string, version: string): Promise<Predictor> {
  try {
    return await runtime.verify(root, version)
  } catch (err) {
    if (runtime.isArtefactError(err)) throw new RefusedError(`${version} fails verification: ${(err as Error).message}`)
    throw err
  }
}

function comparisonTable (file: LabelledFile, candidate: string, current: string | null, figures: ReadonlyArray<LabelledFileMetrics | null>): string {
  const row = (label: string, pick: (m: LabelledFileMetrics) => number): string[] => [label, ...figures.map((m) => (m === null ? '-' : fixed(pick(m))))]
  const header = ['', `candidate ${candidate}`, current === null ? 'current: none' : `current ${current}`]
  return `scored ${file.labels.length} labelled customers of ${file.path}\n` + formatTable([
    header,
    row('ROC AUC', (m) => m.rocAuc),
    row('log loss', (m) => m.logLoss),
    row('calibration error', (m) => m.calibrationError),
    row('mean probability', (m) => m.meanProbability),
    row('base rate (buyers in the file)', (m) => m.baseRate),
    row('top-20% capture', (m) => m.captureTop20)
  ])
}

async function scoreFile (model: Predictor, file: LabelledFile): Promise<LabelledFileMetrics> {
  return labelledFileMetrics(await model.predict(file.customers), file.labels)
}

/** The current model's figures on the file, or null (with a note) when there is none or it fails verification. */
async function currentFigures (runtime: Awaited<ReturnType<typeof modelRuntime>>, root: string, current: string | null, file: LabelledFile, note: (text: string) => void): Promise<LabelledFileMetrics | null> {
  if (current === null) {
    note('no version is current: the candidate is checked against the calibration limit only')
    return null
  }
  let model: Predictor
  try {
    model = await verifiedModel(runtime, root, current)
  } catch (err) {
    // A broken current version is what a promotion repairs: it must not block one.
    if (!(err instanceof RefusedError)) throw err
    note(`the current version cannot be compared (${err.message}): the candidate is checked against the calibration limit only`)
    return null
  }
  try {
    return await scoreFile(model, file)
  } finally {
    model.dispose()
  }
}

function promotionReason (args: ModelsArgs, overridden: readonly string[]): string {
  const forced = args.force ? ` --force${overridden.length > 0 ? ` (overrode: ${overridden.join('; ')})` : ''}` : ''
  return `promote${forced}${args.reason === null ? '' : `: ${args.reason}`}`
}

/** `work` under the models root's promotion lock; another holder is a refusal (exit 1) naming the lock. */
async function exclusively (root: string, work: () => Promise<void>): Promise<void> {
  try {
    await withPromotionLock(root, work)
  } catch (err) {
    if (err instanceof PromotionLockedError) throw new RefusedError(err.message)
    throw err
  }
}

async function promote (args: ModelsArgs, version: string, out: (text: string) => void, note: (text: string) => void): Promise<void> {
  await requireVersionDir(args.modelsDir, version)
  await exclusively(args.modelsDir, async () => { await promoteLocked(args, version, out, note) })
}

async function promoteLocked (args: ModelsArgs, version: string, out: (text: string) => void, note: (text: string) => void): Promise<void> {
  const root = args.modelsDir
  const current = await readCurrentVersion(root)
  if (current === version) {
    out(`${version} is already current in ${root}: nothing changed\n`)
    return
  }
  // Read before any model loads, so a bad file is reported at once.
  const file = args.data === null ? null : await readLabelledFile(args.data)
  const runtime = await modelRuntime()
  const candidate = await verifiedModel(runtime, root, version)
  let overridden: string[] = []
  try {
    out(`verified ${version}: checksums, preprocessing hash, executor check, warm-up\n`)
    if (file !== null) {
      const figures = [await scoreFile(candidate, file), await currentFigures(runtime, root, current, file, note)] as const
      out(comparisonTable(file, version, current, figures))
      overridden = promotionRefusals(figures[0], figures[1], { logLossTolerance: args.tolerance, maxCalibrationError: MAX_CALIBRATION_ERROR })
      if (overridden.length > 0 && !args.force) {
        throw new RefusedError(`refused to promote ${version}: ${overridden.join('; ')}. CURRENT still names ${current ?? 'no version'}; --force promotes anyway`)
      }
    }
  } finally {
    candidate.dispose()
  }
  const promotion = await recordPromotion(root, current, version, promotionReason(args, overridden))
  out(`promoted ${version} (was ${current ?? 'none'}); ${join(root, HISTORY_FILE)}: ${promotion.reason}\n`)
}

async function rollback (args: ModelsArgs, out: (text: string) => void): Promise<void> {
  await exclusively(args.modelsDir, async () => { await rollbackLocked(args, out) })
}

async function rollbackLocked (args: ModelsArgs, out: (text: string) => void): Promise<void> {
  const root = args.modelsDir
  const current = await readCurrentVersion(root)
  const target = rollbackTarget(await readHistory(root), current)
  if (target === null) {
    throw new RefusedError(current === null
      ? `nothing to roll back to: ${join(root, CURRENT_FILE)} is missing or names no version`
      : `nothing to roll back to: ${join(root, HISTORY_FILE)} records no version current before ${current}`)
  }
  await requireVersionDir(root, target)
  const model = await verifiedModel(await modelRuntime(), root, target)
  model.dispose()
  out(`verified ${target}: checksums, preprocessing hash, executor check, warm-up\n`)
  await recordPromotion(root, current, target, ROLLBACK_REASON)
  out(`rolled back to ${target} (was ${current ?? 'none'}); recorded in ${join(root, HISTORY_FILE)}\n`)
}

/**
 * Runs the models CLI with `argv` (the command and flags, without node and the script) and returns the
 * exit code: 0 done, 1 refused (message only) or unexpected (with the stack), 2 bad usage or input.
 */
export async function main (argv: string[], io: CliIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout
  const stderr = io.stderr ?? process.stderr
  try {
    await run(argv, stdout, stderr)
    return EXIT_OK
  } catch (err) {
    return reportFailure('models', err, stderr, (e) => e instanceof InputError || e instanceof CsvDataError)
  }
}

async function run (argv: string[], stdout: Writable, stderr: Writable): Promise<void> {
  const args = parseModelsArgs(argv)
  if (args === 'help') {
    stdout.write(HELP)
    return
  }
  const out = (text: string): void => { stdout.write(text) }
  const note = (text: string): void => { stderr.write(`models: ${text}\n`) }
  await requireModelsRoot(args.modelsDir)
  const [a, b] = args.versions as [string, string]
  switch (args.command) {
    case 'list': return await list(args.modelsDir, out)
    case 'diff': return await diff(args.modelsDir, a, b, out)
    case 'promote': return await promote(args, a, out, note)
    case 'rollback': return await rollback(args, out)
  }
}

if (isDirectRun(import.meta.url)) process.exitCode = await main(process.argv.slice(2))
