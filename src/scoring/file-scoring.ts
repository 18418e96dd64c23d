// Streams a customer CSV of any length through the scoring use case: the rows as read, plus probability
// and willBuy (the same text and rule as the API's), scored in batches with backpressure end to end, so
// memory does not grow with the file. The output is CSV or Parquet (scored-output.ts); Parquet input is
// parquet-scoring.ts, which shares the options, counts and summary defined here.
// No process.*, no files: the caller hands in the streams (scripts/score.ts is the CLI).
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvError, Parser } from 'csv-parse'
import { CSV_PARSE_OPTIONS, CsvDataError, NO_DATA_ROWS_MESSAGE, convertRecord, describeProblem, planColumns, type ColumnPlan, type CsvLayout, type RowProblem } from '../domain/customer-csv.js'
import { CUSTOMER_FIELDS, type Customer, type FieldSpec } from '../domain/customer.js'
import type { ServingModel } from '../model/serving-model.js'
import { scoreCustomers, type ScoredCustomer } from './score-customers.js'
import { assertNotScored, createScoredOutputEncoder, csvCells, type FileFormat, type OutputColumn, type OutputType, type ScoredOutputEncoder, type ScoredRows } from './scored-output.js'

export { SCORE_COLUMNS } from './scored-output.js'

export const DEFAULT_SCORING_BATCH_SIZE = 4096
/** Largest batch accepted: a batch is held in memory while it is scored. */
export const MAX_SCORING_BATCH_SIZE = 1_000_000
/**
 * Longest record csv-parse will buffer, in characters. A customer row is ~100; an unclosed quote would
 * otherwise make the parser swallow the rest of the file into one field, and memory grow with it.
 */
export const MAX_RECORD_CHARS = 1 << 20
/** Skipped-row problems kept for the report; all of them are counted. */
export const KEPT_PROBLEMS = 20

export interface ScoringProgress {
  /** Data rows read so far (the header is not counted): scored + skipped. */
  readonly rowsRead: number
  readonly rowsScored: number
  readonly rowsSkipped: number
}

/** Input warnings of one field and code over a file (the API's per-customer warnings, counted). */
export interface WarningCount {
  readonly field: string
  readonly code: string
  readonly rows: number
  /** The first such warning's message, as an example. */
  readonly example: string
}

export interface ScoringSummary extends ScoringProgress {
  /** Layout of the input, or null when it had no records. */
  readonly layout: CsvLayout | null
  /** The first KEPT_PROBLEMS skipped rows, in file order. */
  readonly problems: readonly RowProblem[]
  /** Scored rows with at least one input warning (scored all the same, as by the API). */
  readonly rowsWarned: number
  /** The warnings by field and code, most frequent first. */
  readonly warnings: readonly WarningCount[]
}

export interface FileScoringOptions {
  /** willBuy = probability >= threshold (default: the model's). */
  readonly threshold?: number
  /** Rows per model call. */
  readonly batchSize?: number
  /** Skip rows with invalid values (and list them) instead of stopping with a CsvDataError at the first. */
  readonly skipInvalid?: boolean
  /** Called after each batch is handed to the output, and once at the end. */
  readonly onProgress?: (progress: ScoringProgress) => void
  /** Format of the output (default: csv, as the input). */
  readonly outputFormat?: FileFormat
  /** Rows per Parquet row group written (default: PARQUET_ROW_GROUP_ROWS). */
  readonly rowGroupRows?: number
  /** Stops reading and writing: the scoring rejects with an AbortError. */
  readonly signal?: AbortSignal
}

/** Checks the options every file scorer takes and returns the batch size; a RangeError names a bad one. */
export function checkScoringOptions (options: FileScoringOptions): number {
  const batchSize = options.batchSize ?? DEFAULT_SCORING_BATCH_SIZE
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_SCORING_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_SCORING_BATCH_SIZE}, got ${batchSize}`)
  }
  const threshold = options.threshold
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be from 0 to 1, got ${threshold}`)
  const rowGroupRows = options.rowGroupRows
  if (rowGroupRows !== undefined && !(Number.isInteger(rowGroupRows) && rowGroupRows >= 1)) throw new RangeError(`rowGroupRows must be a positive integer, got ${rowGroupRows}`)
  return batchSize
}

/** Rows read, scored and skipped in one file, and the first skipped ones: what progress and the summary report. */
export class RowTally {
  rowsRead = 0
  rowsScored = 0
  rowsSkipped = 0
  rowsWarned = 0
  readonly problems: RowProblem[] = []
  private readonly skipInvalid: boolean
  private readonly warnings = new Map<string, { field: string, code: string, rows: number, example: string }>()

  constructor (skipInvalid: boolean) {
    this.skipInvalid = skipInvalid
  }

  /** An invalid row: thrown as a CsvDataError naming it, or (skipInvalid) counted and kept for the report. */
  reject (problem: RowProblem): void {
    if (!this.skipInvalid) throw new CsvDataError(describeProblem(problem), [problem])
    this.rowsSkipped++
    if (this.problems.length < KEPT_PROBLEMS) this.problems.push(problem)
  }

  /** Every row was read: refuses a file none of whose rows could be scored. */
  assertSomeScored (): void {
    if (this.rowsRead > 0 && this.rowsScored === 0) {
      throw new CsvDataError(`no valid rows: ${this.rowsRead === 1 ? 'the only row was' : `all ${this.rowsRead} rows were`} invalid`, this.problems)
    }
  }

  /** A batch scored: its rows counted, and their input warnings by field and code. */
  scored (predictions: readonly ScoredCustomer[]): void {
    this.rowsScored += predictions.length
    for (const { warnings } of predictions) {
      if (warnings === undefined) continue
      this.rowsWarned++
      for (const { field, code, message } of warnings) {
        const key = `${field} ${code}`
        const count = this.warnings.get(key)
        if (count === undefined) this.warnings.set(key, { field, code, rows: 1, example: message })
        else count.rows++
      }
    }
  }

  progress (): ScoringProgress {
    return { rowsRead: this.rowsRead, rowsScored: this.rowsScored, rowsSkipped: this.rowsSkipped }
  }

  summary (layout: CsvLayout | null): ScoringSummary {
    const warnings = [...this.warnings.values()].map((w) => ({ ...w })).sort((a, b) => b.rows - a.rows)
    return { ...this.progress(), layout, problems: this.problems.slice(), rowsWarned: this.rowsWarned, warnings }
  }
}

/**
 * Scores one batch of a file's rows. A batch of one row (a file's last, short batch, or --batch-size 1)
 * is scored beside a copy of itself: one customer alone runs the float64 executor, which can read up to
 * about 2e-7 away from the same customer in any batch of two or more, and a file's cells should read as
 * the batch route's do, whatever the batch size.
 */
export async function scoreFileBatch (model: ServingModel, customers: readonly Customer[], threshold: number | undefined): Promise<ScoredCustomer[]> {
  const alone = customers.length === 1 ? customers[0] : undefined
  const { predictions } = await scoreCustomers(model, alone === undefined ? customers : [alone, alone], { threshold })
  return alone === undefined ? predictions : predictions.slice(0, 1)
}

/** The Parquet type of a field's column in the output: the field's own type, whatever text held it. */
export function fieldOutputType (field: FieldSpec): OutputType {
  if (field.type === 'boolean') return 'BOOLEAN'
  return field.type === 'integer' ? 'INT32' : 'DOUBLE'
}

interface ParsedRecord {
  readonly record: string[]
  /** 1-based line in the input where the record ends (csv-parse's info.lines). */
  readonly line: number
}

/**
 * csv-parse with each record tagged with its line number. The `info: true` option gives the same
 * number but copies the whole info object twice per record: a third of the parser's time and a
 * stream of garbage. The parser pushes each record as soon as it is complete, so its public `info`
 * counter at push time is the value `info: true` would have copied.
 */
class LineNumberingParser extends Parser {
  override push (record: unknown, encoding?: BufferEncoding): boolean {
    if (record === null) return super.push(null, encoding)
    const parsed: ParsedRecord = { record: record as string[], line: this.info.lines }
    return super.push(parsed, encoding)
  }
}

/**
 * A batch of CSV records: lines as read for a CSV output; for a Parquet one, the fields' columns typed
 * from the converted customers (null for an empty review score) and every other column as text.
 */
class CsvScoredRows implements ScoredRows {
  readonly count: number
  readonly predictions: readonly ScoredCustomer[]
  private readonly records: readonly string[][]
  private readonly customers: readonly Customer[]
  private readonly fieldAt: ReadonlyArray<FieldSpec | undefined>

  constructor (fieldAt: ReadonlyArray<FieldSpec | undefined>, records: readonly string[][], customers: readonly Customer[], predictions: readonly ScoredCustomer[]) {
    this.count = records.length
    this.fieldAt = fieldAt
    this.records = records
    this.customers = customers
    this.predictions = predictions
  }

  csvLine (k: number): string {
    return csvCells(this.records[k] as string[])
  }

  columnValues (c: number): unknown[] {
    const field = this.fieldAt[c]
    if (field === undefined) return this.records.map((record) => record[c])
    const name = field.name as keyof Customer
    return this.customers.map((customer) => customer[name] ?? null)
  }
}

/** Object-mode parsed records in, the output's chunks out (CSV text or Parquet bytes): validates each row and scores full batches. */
class ScoringTransform extends Transform {
  private plan: ColumnPlan | null = null
  /** The field each column holds, by column index (undefined: an id, label or unknown column). */
  private fieldAt: Array<FieldSpec | undefined> = []
  private readonly tally: RowTally
  private batchRecords: string[][] = []
  private batchCustomers: Customer[] = []
  private readonly batchSize: number
  private readonly options: FileScoringOptions
  private readonly model: ServingModel
  private readonly encoder: ScoredOutputEncoder

  constructor (model: ServingModel, options: FileScoringOptions) {
    // The readable side holds at most about one batch of output: push() of a batch exceeds its
    // high-water mark, so the next record is not taken until the output has drained it.
    super({ writableObjectMode: true, readableObjectMode: false })
    this.model = model
    this.options = options
    this.batchSize = options.batchSize ?? DEFAULT_SCORING_BATCH_SIZE
    this.tally = new RowTally(options.skipInvalid === true)
    this.encoder = createScoredOutputEncoder(options.outputFormat ?? 'csv', options.rowGroupRows)
  }

  override _transform (parsed: ParsedRecord, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.acceptRecord(parsed)
    } catch (err) {
      callback(err as Error)
      return
    }
    if (this.batchCustomers.length < this.batchSize) {
      callback()
      return
    }
    this.scoreBatch().then(() => callback(), callback)
  }

  override _flush (callback: TransformCallback): void {
    const finish = async (): Promise<void> => {
      if (this.plan === null) throw new CsvDataError('the CSV input is empty')
      // As the API and training answer the same file: one codec, one message.
      if (this.tally.rowsRead === 0) throw new CsvDataError(NO_DATA_ROWS_MESSAGE)
      await this.scoreBatch()
      this.tally.assertSomeScored()
      const end = this.encoder.end()
      if (end !== null) this.push(end)
      this.options.onProgress?.(this.tally.progress())
    }
    finish().then(() => callback(), callback)
  }

  summary (): ScoringSummary {
    return this.tally.summary(this.plan?.layout ?? null)
  }

  private acceptRecord ({ record, line }: ParsedRecord): void {
    if (this.plan === null) {
      const plan = planColumns(record, { requireTarget: false, allowExtraColumns: true, ignoreTarget: true })
      this.plan = plan
      assertNotScored(plan.header)
      this.fieldAt = plan.header.map((_, c) => CUSTOMER_FIELDS[plan.fieldIndex.indexOf(c)])
      // The header as read (a headerless file gets the Kaggle one), plus the score columns.
      const names = plan.hasHeader ? record : plan.header
      const columns = names.map((name, c): OutputColumn => {
        const field = this.fieldAt[c]
        return { name, type: field === undefined ? 'STRING' : fieldOutputType(field) }
      })
      this.push(this.encoder.begin(columns))
      if (plan.hasHeader) return
    }
    this.tally.rowsRead++
    const result = convertRecord(this.plan, record, this.tally.rowsRead, line)
    if (!result.ok) {
      this.tally.reject(result.problem)
      return
    }
    this.batchRecords.push(record)
    this.batchCustomers.push(result.customer)
  }

  private async scoreBatch (): Promise<void> {
    const rows = this.batchCustomers.length
    if (rows === 0) return
    const records = this.batchRecords
    const customers = this.batchCustomers
    this.batchRecords = []
    this.batchCustomers = []
    const predictions = await scoreFileBatch(this.model, customers, this.options.threshold)
    const chunk = this.encoder.add(new CsvScoredRows(this.fieldAt, records, customers, predictions))
    this.tally.scored(predictions)
    if (chunk !== null) this.push(chunk)
    this.options.onProgress?.(this.tally.progress())
  }
}

/**
 * Reads customer CSV text from `input` (Kaggle header, API field names or headerless course layout;
 * CRLF or LF; optional BOM) and writes it to `output` with probability and willBuy appended: as CSV
 * (lines ending in LF) or, with outputFormat 'parquet', as a Parquet file (see scored-output.ts).
 * Every input column passes through, unknown ones included.
 * Bad data rejects with a CsvDataError naming row, line and column (unless skipInvalid); a stream's
 * own error (a file that cannot be read or written) rejects as it is. `output` is ended on success.
 */
export async function scoreCsvStream (model: ServingModel, input: Readable, output: Writable, options: FileScoringOptions): Promise<ScoringSummary> {
  const batchSize = checkScoringOptions(options)
  const scoring = new ScoringTransform(model, { ...options, batchSize })
  try {
    const parser = new LineNumberingParser({ ...CSV_PARSE_OPTIONS, info: false, max_record_size: MAX_RECORD_CHARS })
    await pipeline(input, parser, scoring, output, { signal: options.signal })
  } catch (err) {
    // Broken quoting cannot be skipped row by row: where the bad record ends is unknowable.
    if (err instanceof CsvError) throw new CsvDataError(`not readable as CSV: ${err.message}`)
    throw err
  }
  return scoring.summary()
}
