// Streams a customer CSV of any length through the scoring use case: the rows as read, plus probability
// and willBuy (the same text and rule as the API's), scored in batches with backpressure end to end, so
// memory does not grow with the file.
// No process.*, no files: the caller hands in the streams (scripts/score.ts is the CLI).
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvError, Parser } from 'csv-parse'
import { CSV_PARSE_OPTIONS, CsvDataError, NO_DATA_ROWS_MESSAGE, convertRecord, describeProblem, planColumns, type ColumnPlan, type CsvLayout, type RowProblem } from '../domain/customer-csv.js'
import type { Customer } from '../domain/customer.js'
import type { ServingModel } from '../model/serving-model.js'
import { probabilityText } from './reported-probability.js'
import { scoreCustomers } from './score-customers.js'

/** Columns appended to every output row. */
export const SCORE_COLUMNS = ['probability', 'willBuy'] as const

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

export interface ScoringSummary extends ScoringProgress {
  /** Layout of the input, or null when it had no records. */
  readonly layout: CsvLayout | null
  /** The first KEPT_PROBLEMS skipped rows, in file order. */
  readonly problems: readonly RowProblem[]
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

const NEEDS_QUOTES = /[",\r\n]/

/** One CSV cell: quoted when it holds a comma, a quote or a line break, as RFC 4180 asks. */
export function csvCell (text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function csvCells (cells: readonly string[]): string {
  let line = ''
  for (let i = 0; i < cells.length; i++) line += (i === 0 ? '' : ',') + csvCell(cells[i] as string)
  return line
}

/** Object-mode parsed records in, CSV text out: validates each row and scores full batches. */
class ScoringTransform extends Transform {
  private plan: ColumnPlan | null = null
  private layout: CsvLayout | null = null
  private rowsRead = 0
  private rowsScored = 0
  private rowsSkipped = 0
  private readonly problems: RowProblem[] = []
  private batchRecords: string[][] = []
  private batchCustomers: Customer[] = []
  private readonly batchSize: number
  private readonly options: FileScoringOptions
  private readonly model: ServingModel

  constructor (model: ServingModel, options: FileScoringOptions) {
    // The readable side holds at most about one batch of text: push() of a batch exceeds its
    // high-water mark, so the next record is not taken until the output has drained it.
    super({ writableObjectMode: true, readableObjectMode: false })
    this.model = model
    this.options = options
    this.batchSize = options.batchSize ?? DEFAULT_SCORING_BATCH_SIZE
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
      if (this.rowsRead === 0) throw new CsvDataError(NO_DATA_ROWS_MESSAGE)
      await this.scoreBatch()
      if (this.rowsRead > 0 && this.rowsScored === 0) {
        throw new CsvDataError(`no valid rows: all ${this.rowsRead} rows were invalid`, this.problems)
      }
      this.options.onProgress?.(this.progress())
    }
    finish().then(() => callback(), callback)
  }

  summary (): ScoringSummary {
    return { ...this.progress(), layout: this.layout, problems: this.problems.slice() }
  }

  private progress (): ScoringProgress {
    return { rowsRead: this.rowsRead, rowsScored: this.rowsScored, rowsSkipped: this.rowsSkipped }
  }

  private acceptRecord ({ record, line }: ParsedRecord): void {
    if (this.plan === null) {
      const plan = planColumns(record, { requireTarget: false, allowExtraColumns: true })
      this.plan = plan
      this.layout = plan.layout
      const clash = SCORE_COLUMNS.filter((c) => plan.header.includes(c))
      if (clash.length > 0) throw new CsvDataError(`header already has column${clash.length > 1 ? 's' : ''} ${clash.join(', ')}: is this file scored already?`)
      // The header as read (a headerless file gets the Kaggle one), plus the score columns.
      this.push(`${csvCells(plan.hasHeader ? record : plan.header)},${SCORE_COLUMNS.join(',')}\n`)
      if (plan.hasHeader) return
    }
    this.rowsRead++
    const result = convertRecord(this.plan, record, this.rowsRead, line)
    if (!result.ok) {
      if (this.options.skipInvalid !== true) throw new CsvDataError(describeProblem(result.problem), [result.problem])
      this.rowsSkipped++
      if (this.problems.length < KEPT_PROBLEMS) this.problems.push(result.problem)
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
    const { predictions } = await scoreCustomers(this.model, customers, { threshold: this.options.threshold })
    let text = ''
    for (let i = 0; i < rows; i++) {
      const { probability, willBuy } = predictions[i] as { probability: number, willBuy: boolean }
      text += `${csvCells(records[i] as string[])},${probabilityText(probability)},${willBuy ? 'true' : 'false'}\n`
    }
    this.rowsScored += rows
    this.push(text)
    this.options.onProgress?.(this.progress())
  }
}

/**
 * Reads customer CSV text from `input` (Kaggle header, API field names or headerless course layout;
 * CRLF or LF; optional BOM) and writes it to `output` as CSV with probability and willBuy appended.
 * Every input column passes through, unknown ones included; output lines end in LF.
 * Bad data rejects with a CsvDataError naming row, line and column (unless skipInvalid); a stream's
 * own error (a file that cannot be read or written) rejects as it is. `output` is ended on success.
 */
export async function scoreCsvStream (model: ServingModel, input: Readable, output: Writable, options: FileScoringOptions): Promise<ScoringSummary> {
  const batchSize = options.batchSize ?? DEFAULT_SCORING_BATCH_SIZE
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_SCORING_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_SCORING_BATCH_SIZE}, got ${batchSize}`)
  }
  const threshold = options.threshold
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be from 0 to 1, got ${threshold}`)
  const scoring = new ScoringTransform(model, { ...options, batchSize })
  try {
    const parser = new LineNumberingParser({ ...CSV_PARSE_OPTIONS, info: false, max_record_size: MAX_RECORD_CHARS })
    await pipeline(input, parser, scoring, output)
  } catch (err) {
    // Broken quoting cannot be skipped row by row: where the bad record ends is unknowable.
    if (err instanceof CsvError) throw new CsvDataError(`not readable as CSV: ${err.message}`)
    throw err
  }
  return scoring.summary()
}
