// CLI: customer CSV or Parquet files of any length -> the same rows plus probability and willBuy, streamed
// through the model; one file, or many (a directory, a warehouse unload) shared out between processes with
// --shard. Run `npm run score -- --help` for the flags. main(argv, io) is exported for in-process tests.
import { counted } from '../src/domain/counted.js'
import { unlinkSync, type WriteStream } from 'node:fs'
import { mkdir, open, rename, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import type { AsyncBuffer } from 'hyparquet'
import type { ParquetInput } from '../src/scoring/parquet-scoring.js'
import { CURRENT_FILE, DEFAULT_MODELS_ROOT, VERSION_RULE, isValidVersion } from '../src/artefact/models-root.js'
import { CsvDataError, describeProblem } from '../src/domain/customer-csv.js'
import { DEFAULT_SCORING_BATCH_SIZE, MAX_SCORING_BATCH_SIZE, scoreCsvStream, type FileScoringOptions, type ScoringProgress, type ScoringSummary } from '../src/scoring/file-scoring.js'
import type { FileFormat } from '../src/scoring/scored-output.js'
import type { Predictor } from '../src/model/predictor.js'
import { EXIT_OK, EXIT_UNEXPECTED, InputError, UsageError, isDirectRun, numberFlag, reportFailure, type CliIo } from './cli-args.js'
import { expandInputs, formatFlag, formatOfName, parseShard, planOutputs, refuseInputOverwrites, shardFiles, type ScoreFile, type Shard } from './score-files.js'

/** Time between progress lines when stderr is not a terminal (a log file or CI). */
const PLAIN_PROGRESS_INTERVAL_MS = 5000
/** Time between redraws of the progress line on a terminal. */
const TTY_REDRAW_INTERVAL_MS = 250
/** Skipped rows listed in the summary; the rest are counted. */
const LISTED_PROBLEMS = 5
/** Exit code of main() stopped through io.signal: 128 + SIGINT, what a shell reports for Ctrl-C. */
const EXIT_INTERRUPTED = 130

const HELP = `Usage: npm run score -- --in FILE [--out FILE] [options]
       npm run score -- --in DIR|FILE [FILE...] --out DIR [--shard K/N] [options]

Scores every customer in CSV or Parquet files with the buy-again model. Files are streamed (Parquet
one row group at a time), so any length runs in the same memory. The output holds the input's columns
as read (ID, a label column and unknown columns included) plus probability and willBuy; CSV lines
end in LF. A format is chosen by the file's extension, .csv or .parquet (CSV for any other).

Input and output
  --in FILE             customer CSV or Parquet file, or - for stdin (CSV only). Columns: the Kaggle
                        header, the API field names, or (CSV) the headerless course layout (then the
                        output gets the Kaggle header). Parquet numbers, booleans and nulls (an unknown
                        review score) are read as the fields need
  --out FILE            scored file, or - for stdout (default: -). A file is written under a
                        temporary name and renamed when complete: a failed run leaves none
  --in DIR              several inputs: a directory (its .csv and .parquet files, sorted by name),
    [FILE...]           --in given again, or more files after it (a shell glob). Each input file
  --out DIR             is scored into DIR (created if missing), under its own name; files already
                        scored stay when a later one fails
  --shard K/N           score only this process's share of the input files: sorted by name, file i
                        is scored by shard i mod N; K counts from 0, as a Kubernetes Indexed Job's
                        JOB_COMPLETION_INDEX (--shard $JOB_COMPLETION_INDEX/N). A shard may get none
  --in-format F         csv or parquet, whatever the input names say (warehouse files without an
                        extension); a directory then gives every file but hidden and _ ones
  --out-format F        csv or parquet for the output(s) (default: --out's extension; with --out DIR
                        each input's own format; CSV on stdout)
  --skip-invalid        skip rows with invalid values and report them (default: stop at the
                        first, exit code 2). Broken CSV quoting always stops

Model: the first of --model-dir, --model-version, MODEL_DIR and CURRENT that is given
  --model-dir DIR       artefact directory
  --model-version V     the version V in the models root
  --models-dir DIR      models root that --model-version and CURRENT are read from
                        (default: ${DEFAULT_MODELS_ROOT}); naming it
                        is choosing a model, so MODEL_DIR is then not used
  MODEL_DIR=DIR         environment variable, as the server reads it: the artefact directory
                        when no flag chooses the model
  (default)             the version named in the models root's ${CURRENT_FILE} file
  --threshold X         willBuy = probability >= X, from 0 to 1 (default: the model's)
  --batch-size N        rows per model call, 1 to ${MAX_SCORING_BATCH_SIZE} (default: ${DEFAULT_SCORING_BATCH_SIZE})

  --quiet               no progress, summary or input warnings (skipped rows are still listed)
  -h, --help            this text

Exit codes: 0 scored; 2 bad flags, files or data (names row, line and column; with several inputs,
the file); 1 unexpected error; 130 (SIGINT) or 143 (SIGTERM) interrupted, after removing the partial
output file.
`

/** The run was stopped through io.signal: the partial output is removed. */
class InterruptedError extends Error {}

export interface ScoreArgs {
  /** Input files and directories, '-' for stdin; empty only with --help. */
  readonly inputs: readonly string[]
  /** Output file, '-', or (several inputs) a directory; null when not given. */
  readonly output: string | null
  readonly inputFormat: FileFormat | null
  readonly outputFormat: FileFormat | null
  readonly shard: Shard | null
  readonly modelDir: string | null
  readonly modelVersion: string | null
  /** The models root given with --models-dir, or null for the default. */
  readonly modelsDir: string | null
  readonly threshold: number | null
  readonly batchSize: number
  readonly skipInvalid: boolean
  readonly quiet: boolean
  readonly help: boolean
}

/** The flags of a run (argv without node and the script); a UsageError names a bad one. Exported for the deploy checks. */
export function parseScoreArgs (argv: string[]): ScoreArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      in: { type: 'string', multiple: true },
      out: { type: 'string' },
      'in-format': { type: 'string' },
      'out-format': { type: 'string' },
      shard: { type: 'string' },
      'model-dir': { type: 'string' },
      'model-version': { type: 'string' },
      'models-dir': { type: 'string' },
      threshold: { type: 'string' },
      'skip-invalid': { type: 'boolean' },
      'batch-size': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  const help = values.help === true
  const inputs = [...(values.in ?? []), ...positionals]
  if (!help && (values.in === undefined || inputs.includes(''))) throw new UsageError('--in FILE is required (- reads stdin)')
  if (values.out === '') throw new UsageError('--out needs a file name (- writes stdout)')
  const modelVersion = values['model-version'] ?? null
  if (modelVersion !== null && !isValidVersion(modelVersion)) throw new UsageError(`--model-version may contain only ${VERSION_RULE}`)
  // --model-dir names the artefact itself: a root or a version besides it would be silently ignored.
  for (const flag of ['model-version', 'models-dir'] as const) {
    if (values['model-dir'] !== undefined && values[flag] !== undefined) throw new UsageError(`--model-dir and --${flag} both choose the model: give one`)
  }
  for (const flag of ['model-dir', 'models-dir'] as const) {
    if (values[flag] === '') throw new UsageError(`--${flag} needs a directory`)
  }
  return {
    inputs,
    output: values.out ?? null,
    inputFormat: formatFlag('in-format', values['in-format']),
    outputFormat: formatFlag('out-format', values['out-format']),
    shard: values.shard === undefined ? null : parseShard(values.shard),
    modelDir: values['model-dir'] ?? null,
    modelVersion,
    modelsDir: values['models-dir'] ?? null,
    threshold: numberFlag('threshold', values.threshold, (n) => n >= 0 && n <= 1),
    batchSize: numberFlag('batch-size', values['batch-size'], (n) => Number.isInteger(n) && n >= 1 && n <= MAX_SCORING_BATCH_SIZE) ?? DEFAULT_SCORING_BATCH_SIZE,
    skipInvalid: values['skip-invalid'] === true,
    quiet: values.quiet === true,
    help
  }
}

/** What a run scores: one file (or stdin) to a file or stdout, or several files into a directory. */
type RunPlan =
  | { readonly kind: 'single', readonly file: ScoreFile }
  | { readonly kind: 'several', readonly files: readonly ScoreFile[], readonly outDir: string, readonly total: number }

/**
 * One input file without --shard is the single-file run (--out FILE or -); several inputs, a directory
 * or --shard score each file into --out DIR. Inputs are found now, so a missing one is reported before
 * the model loads.
 */
async function planRun (args: ScoreArgs): Promise<RunPlan> {
  const [first] = args.inputs
  const directory = args.inputs.length === 1 && first !== '-' && first !== undefined && (await stat(first).catch(() => null))?.isDirectory() === true
  if (first !== undefined && args.inputs.length === 1 && args.shard === null && !directory) {
    const input = first
    const inputFormat = args.inputFormat ?? (input === '-' ? 'csv' : formatOfName(input) ?? 'csv')
    if (input === '-' && inputFormat === 'parquet') throw new UsageError('Parquet cannot be read from stdin (its index is at the end of the file): give the file')
    const output = args.output ?? '-'
    const outputFormat = args.outputFormat ?? (output === '-' ? 'csv' : formatOfName(output) ?? 'csv')
    const file: ScoreFile = { input, inputFormat, output, outputFormat }
    await refuseInputOverwrites([file], (lost) => `--out ${output} is the input file ${lost}: write the scored file elsewhere`)
    return { kind: 'single', file }
  }
  if (args.inputs.includes('-')) throw new UsageError('- (stdin) can only be the one input')
  if (args.output === null || args.output === '-') throw new UsageError('--out DIR is required with several inputs, a directory or --shard: one scored file is written there per input')
  const all = await expandInputs(args.inputs, args.inputFormat)
  const mine = args.shard === null ? all : shardFiles(all, args.shard)
  const files = planOutputs(mine, args.output, args.inputFormat, args.outputFormat)
  const outDir = args.output
  await refuseInputOverwrites(files, (lost) => `--out ${outDir} would overwrite input ${lost}: write the scored files to another directory`)
  return { kind: 'several', files, outDir, total: all.length }
}

/** An input opened for scoring: a CSV byte stream, or a Parquet file whose footer was read. */
type OpenedInput =
  | { readonly format: 'csv', readonly stream: Readable, readonly close: () => void }
  | { readonly format: 'parquet', readonly parquet: ParquetInput, readonly close: () => void }

function openError (path: string, err: unknown): InputError {
  return new InputError(`cannot read input file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
}

/** Random access to a file for hyparquet: each slice read into its own buffer, handed over without a copy. */
function fileSlices (handle: Awaited<ReturnType<typeof open>>, byteLength: number, path: string): AsyncBuffer {
  return {
    byteLength,
    slice: async (start, end = byteLength) => {
      const bytes = new Uint8Array(Math.max(0, end - start))
      let filled = 0
      while (filled < bytes.length) {
        const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, start + filled).catch((err: unknown) => { throw openError(path, err) })
        if (bytesRead === 0) break
        filled += bytesRead
      }
      return filled === bytes.length ? bytes.buffer : bytes.buffer.slice(0, filled)
    }
  }
}

/** Opens an input now, so a missing file (or a Parquet file that is not one) is reported before the model loads. */
async function openInput (file: ScoreFile, stdin: () => Readable): Promise<OpenedInput> {
  const path = file.input
  if (path === '-') {
    const stream = stdin()
    return { format: 'csv', stream, close: () => { stream.destroy() } }
  }
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r')
  } catch (err) {
    throw openError(path, err)
  }
  const info = await handle.stat()
  if (info.isDirectory()) {
    await handle.close()
    throw new InputError(`cannot read input file ${path}: it is a directory`)
  }
  if (file.inputFormat === 'parquet') {
    const close = (): void => { handle.close().catch(() => {}) }
    try {
      // Loaded only for Parquet: hyparquet and its decompressors are not needed for CSV.
      const { openParquetInput } = await import('../src/scoring/parquet-scoring.js')
      return { format: 'parquet', parquet: await openParquetInput(fileSlices(handle, info.size, path)), close }
    } catch (err) {
      close()
      throw err
    }
  }
  const stream = handle.createReadStream()
  return { format: 'csv', stream, close: () => { stream.destroy() } }
}

interface OpenedOutput {
  readonly stream: Writable
  /** Makes the written file the result (renames the temporary file). */
  readonly commit: () => Promise<void>
  /** Removes a partial result; safe to call more than once, and from a signal handler. */
  readonly discard: () => void
}

/**
 * Regular files are written under a temporary name in the same directory and renamed at the end, so
 * the destination never holds a partial result; devices and pipes (/dev/null, a FIFO) are written directly.
 */
async function openOutput (path: string, stdout: Writable): Promise<OpenedOutput> {
  if (path === '-') return { stream: stdout, commit: async () => {}, discard: () => {} }
  const existing = await stat(path).catch(() => null)
  if (existing?.isDirectory() === true) throw new InputError(`cannot write output file ${path}: it is a directory`)
  const direct = existing !== null && !existing.isFile()
  const target = direct ? path : join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.partial`)
  let stream: WriteStream
  try {
    stream = (await open(target, 'w')).createWriteStream()
  } catch (err) {
    throw new InputError(`cannot write output file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  let pending = !direct
  return {
    stream,
    commit: async () => {
      if (pending) await rename(target, path)
      pending = false
    },
    discard: () => {
      if (!pending) return
      pending = false
      try { unlinkSync(target) } catch { /* already gone */ }
    }
  }
}

function formatSeconds (ms: number): string {
  return (ms / 1000).toFixed(1)
}

function rowsPerSecond (rows: number, ms: number): number {
  return ms > 0 ? Math.round(rows / (ms / 1000)) : 0
}

/**
 * Progress on stderr, driven by a timer so the clock keeps moving while the input is slow: on a
 * terminal one line redrawn in place, otherwise (a log file, CI) a plain line every few seconds.
 */
function createProgressReporter (stderr: Writable & { readonly isTTY?: boolean }, started: number, label: string): { update: (p: ScoringProgress) => void, stop: () => void } {
  let latest: ScoringProgress = { rowsRead: 0, rowsScored: 0, rowsSkipped: 0 }
  const line = (): string => {
    const ms = performance.now() - started
    const skipped = latest.rowsSkipped > 0 ? `, ${latest.rowsSkipped} skipped` : ''
    return `score: ${label}${counted(latest.rowsScored, 'row')} scored${skipped}, ${rowsPerSecond(latest.rowsRead, ms)} rows/s, ${formatSeconds(ms)} s`
  }
  const tty = stderr.isTTY === true
  const timer = setInterval(() => {
    stderr.write(tty ? `\r\x1b[2K${line()}` : `${line()}\n`)
  }, tty ? TTY_REDRAW_INTERVAL_MS : PLAIN_PROGRESS_INTERVAL_MS)
  timer.unref()
  return {
    update: (p) => { latest = p },
    stop: () => {
      clearInterval(timer)
      // The summary takes the progress line's place.
      if (tty) stderr.write('\r\x1b[2K')
    }
  }
}

/** Input warnings, as the API gives them per customer: counted by field and code, one example each. */
function reportWarnings (summary: ScoringSummary, log: (line: string) => void): void {
  if (summary.rowsWarned === 0) return
  log(`  ${counted(summary.rowsWarned, 'row')} scored with input warnings (the API's warnings; the output has no column for them):`)
  for (const { field, code, rows, example } of summary.warnings) log(`  ${counted(rows, 'row')} ${field} ${code}, e.g. ${example}`)
}

function reportSkipped (summary: ScoringSummary, log: (line: string) => void): void {
  for (const problem of summary.problems.slice(0, LISTED_PROBLEMS)) log(`  skipped ${describeProblem(problem)}`)
  if (summary.rowsSkipped > LISTED_PROBLEMS) log(`  ... and ${summary.rowsSkipped - LISTED_PROBLEMS} more skipped ${summary.rowsSkipped - LISTED_PROBLEMS === 1 ? 'row' : 'rows'}`)
}

/** Settings of a run that do not come from flags. */
export interface ScoreOptions {
  /**
   * The environment MODEL_DIR is read from, through config.ts's rule (the server's): the direct run
   * passes process.env; tests pass their own, so a MODEL_DIR around the test run cannot change them.
   */
  readonly env?: Readonly<Record<string, string | undefined>>
}

interface LoadedModel {
  readonly predictor: Predictor
  readonly dir: string
  /** What chose the model, for the log line. */
  readonly source: string
}

/** The model chosen by the flags, MODEL_DIR or CURRENT (in that order), verified as the server verifies it. */
async function loadModel (args: ScoreArgs, env: Readonly<Record<string, string | undefined>>): Promise<LoadedModel> {
  // Imported here, not at the top: TensorFlow.js takes a second to load (config.ts imports it too),
  // which --help and flag errors need not wait for.
  const [{ loadVerifiedModel }, { ArtefactError, resolveCurrentDir }, { initTensorFlow }, { modelDirFromEnv }] = await Promise.all([
    import('../src/model/model-loader.js'),
    import('../src/artefact/artefact-store.js'),
    import('../src/artefact/tensorflow.js'),
    import('../src/config.js')
  ])
  const root = args.modelsDir ?? DEFAULT_MODELS_ROOT
  const envModelDir = modelDirFromEnv(env)
  const currentFile = join(root, CURRENT_FILE)
  // `version`: the card must name the version asked for (a copied folder that kept its old card is refused).
  const choice: { dir: string | null, version?: string, source: string } =
    args.modelDir !== null
      ? { dir: args.modelDir, source: '--model-dir' }
      : args.modelVersion !== null
        ? { dir: join(root, args.modelVersion), version: args.modelVersion, source: '--model-version' }
        : args.modelsDir === null && envModelDir !== null
          ? { dir: envModelDir, source: 'MODEL_DIR' }
          : { dir: null, source: currentFile }
  try {
    await initTensorFlow('wasm')
    const dir = choice.dir ?? await resolveCurrentDir(root)
    return { predictor: await loadVerifiedModel(dir, choice.version), dir, source: choice.source }
  } catch (err) {
    if (err instanceof ArtefactError) throw new InputError(`cannot load the model chosen by ${choice.source}: ${err.message}`)
    throw err
  }
}

/**
 * Runs the scoring CLI with `argv` (the flags, without node and the script) and returns the exit code:
 * 0 scored, 2 the user's to fix (message only), 1 unexpected (with the stack), 130 stopped by io.signal.
 */
export async function main (argv: string[], io: CliIo = {}, options: ScoreOptions = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr
  try {
    await score(argv, io, options.env ?? {})
    return EXIT_OK
  } catch (err) {
    if (err instanceof InterruptedError) {
      stderr.write(`score: ${err.message}\n`)
      return EXIT_INTERRUPTED
    }
    if ((err as NodeJS.ErrnoException | null)?.code === 'EPIPE') {
      // Whoever read the output (head, a closed pager) went away: not a bug, but the output is incomplete.
      stderr.write('score: the output was closed before every row was written (EPIPE)\n')
      return EXIT_UNEXPECTED
    }
    // Bad flags, files and data are the user's to fix: a message, no stack. Anything else is a bug: the stack.
    return reportFailure('score', err, stderr, (e) => e instanceof InputError || e instanceof CsvDataError)
  }
}

/** The input and output being scored, so an interruption can stop the one and remove the other. */
interface InFlight {
  input: OpenedInput | null
  output: OpenedOutput | null
}

/** What one file's scoring needs besides its streams. */
interface FileRun {
  readonly predictor: Predictor
  readonly args: ScoreArgs
  readonly threshold: number
  readonly stdout: Writable & { readonly isTTY?: boolean }
  readonly stderr: Writable & { readonly isTTY?: boolean }
  readonly log: (line: string) => void
  readonly signal: AbortSignal | undefined
  /** Put before each line about the file ("data/a.parquet: "); empty for a single file. */
  readonly label: string
}

/** Scores one opened input into one opened output, commits it, and reports it; returns the summary. */
async function scoreFile (run: FileRun, file: ScoreFile, input: OpenedInput, output: OpenedOutput): Promise<ScoringSummary> {
  const { args, stdout, stderr, log, label } = run
  const started = performance.now()
  // A line redrawn on the terminal the CSV is printed on would garble both.
  const showProgress = !args.quiet && !(file.output === '-' && stdout.isTTY === true && stderr.isTTY === true)
  const progress = showProgress ? createProgressReporter(stderr, started, label) : null
  const options: FileScoringOptions = {
    threshold: run.threshold,
    batchSize: args.batchSize,
    skipInvalid: args.skipInvalid,
    onProgress: progress?.update,
    outputFormat: file.outputFormat,
    signal: run.signal
  }
  let summary: ScoringSummary
  try {
    if (input.format === 'csv') {
      summary = await scoreCsvStream(run.predictor, input.stream, output.stream, options)
    } else {
      const { scoreParquetFile } = await import('../src/scoring/parquet-scoring.js')
      summary = await scoreParquetFile(run.predictor, input.parquet, output.stream, options)
    }
  } finally {
    progress?.stop()
    input.close()
  }
  run.signal?.throwIfAborted()
  await output.commit()
  const ms = performance.now() - started
  if (!args.quiet) {
    const where = file.output === '-' ? 'stdout' : file.output
    log(`score: ${label}${counted(summary.rowsScored, 'row')} scored, ${summary.rowsSkipped} skipped, ${formatSeconds(ms)} s, ${rowsPerSecond(summary.rowsRead, ms)} rows/s -> ${where}`)
  }
  reportSkipped(summary, log)
  if (!args.quiet) reportWarnings(summary, log)
  return summary
}

async function score (argv: string[], io: CliIo, env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const stdout = io.stdout ?? process.stdout
  const stderr = io.stderr ?? process.stderr
  const args = parseScoreArgs(argv)
  if (args.help) {
    stdout.write(HELP)
    return
  }
  const log = (line: string): void => { stderr.write(line + '\n') }
  const plan = await planRun(args)
  if (plan.kind === 'several' && plan.files.length === 0) {
    // More pods than files: this one has nothing to do, which is not a failure.
    if (!args.quiet) log(`score: shard ${args.shard?.index ?? 0}/${args.shard?.count ?? 1} has none of the ${plan.total} input files`)
    return
  }
  const inFlight: InFlight = { input: null, output: null }
  // An interruption must not leave a temporary file behind; stopping the input ends the scoring.
  const onAbort = (): void => {
    inFlight.output?.discard()
    inFlight.input?.close()
  }
  io.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (plan.kind === 'single') {
      // Asked for only when the input is '-': a run reading a file never creates process.stdin.
      inFlight.input = await openInput(plan.file, () => io.stdin ?? process.stdin)
      inFlight.output = await openOutput(plan.file.output, stdout)
    } else {
      await mkdir(plan.outDir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
        throw new InputError(`cannot create output directory ${plan.outDir}: ${err.code ?? err.message}`)
      })
    }
    if (io.signal?.aborted === true) onAbort()
    const { predictor, dir, source } = await loadModel(args, env)
    try {
      io.signal?.throwIfAborted()
      const threshold = args.threshold ?? predictor.threshold
      if (!args.quiet) log(`score: model ${predictor.version} (${dir}, chosen by ${source}), threshold ${threshold}`)
      const run: FileRun = { predictor, args, threshold, stdout, stderr, log, signal: io.signal, label: '' }
      if (plan.kind === 'single') {
        await scoreFile(run, plan.file, inFlight.input as OpenedInput, inFlight.output as OpenedOutput)
      } else {
        await scoreFiles({ ...run }, plan, inFlight)
      }
    } finally {
      // Freed on every path: main() runs inside test processes that score many times.
      predictor.dispose()
    }
  } catch (err) {
    onAbort()
    // Whatever the stopped input made the scoring throw, the cause is the interruption.
    if (io.signal?.aborted === true) throw new InterruptedError('interrupted; the partial output was removed')
    throw err
  } finally {
    io.signal?.removeEventListener('abort', onAbort)
  }
}

/** Scores each file of a several-file run in turn; a failure names its file and says what is done. */
async function scoreFiles (run: FileRun, plan: Extract<RunPlan, { kind: 'several' }>, inFlight: InFlight): Promise<void> {
  const { args, log } = run
  const started = performance.now()
  const share = args.shard === null ? '' : ` (shard ${args.shard.index}/${args.shard.count})`
  if (!args.quiet) log(`score: ${plan.files.length} of ${plan.total} input files${share} -> ${plan.outDir}`)
  let rowsRead = 0
  let rowsScored = 0
  let rowsSkipped = 0
  for (const [i, file] of plan.files.entries()) {
    try {
      inFlight.input = await openInput(file, () => { throw new Error('stdin is not an input of a several-file run') })
      inFlight.output = await openOutput(file.output, run.stdout)
      const summary = await scoreFile({ ...run, label: `${file.input}: ` }, file, inFlight.input, inFlight.output)
      rowsRead += summary.rowsRead
      rowsScored += summary.rowsScored
      rowsSkipped += summary.rowsSkipped
    } catch (err) {
      if (!(err instanceof CsvDataError || err instanceof InputError) || run.signal?.aborted === true) throw err
      const done = i === 0 ? 'no file was scored' : `the ${i} file${i > 1 ? 's' : ''} before it ${i > 1 ? 'are' : 'is'} scored in ${plan.outDir}`
      throw new InputError(`${file.input}: ${err.message}\n(stopped there: ${done})`)
    }
  }
  const ms = performance.now() - started
  if (!args.quiet) log(`score: ${counted(plan.files.length, 'file')}, ${counted(rowsScored, 'row')} scored, ${rowsSkipped} skipped, ${formatSeconds(ms)} s, ${rowsPerSecond(rowsRead, ms)} rows/s -> ${plan.outDir}`)
}

/**
 * The direct run: SIGINT and SIGTERM abort main's signal, which removes a partial output file at once
 * (synchronously), then the signal is raised again with node's handlers gone, so the process dies of it
 * straight away as an unhandled signal would (a shell reports 130 or 143). process.exit() is not used:
 * it waits for the thread pool, where a read from a pipe or FIFO that has gone quiet never returns.
 */
async function runDirectly (): Promise<void> {
  const interruption = new AbortController()
  const stopHandling = (): void => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    interruption.abort()
    stopHandling()
    process.kill(process.pid, signal)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    process.exitCode = await main(process.argv.slice(2), { signal: interruption.signal }, { env: process.env })
  } finally {
    stopHandling()
  }
}

if (isDirectRun(import.meta.url)) await runDirectly()
