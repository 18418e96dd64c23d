// Scores a customer Parquet file (a warehouse unload: BigQuery, Snowflake, Redshift) with hyparquet: the
// columns are named as in a CSV (Kaggle or API names, the codec's plan), read in slices of a row group
// (see PARQUET_READ_ROWS), scored in batches and written as CSV or Parquet with every input column passed
// through, with backpressure to the output.
// No files, no process.*: the caller hands in random access to the file (hyparquet's AsyncBuffer).
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parquetMetadataAsync, parquetScan, parquetSchema, type AsyncBuffer, type ColumnChunk, type FileMetaData, type ParquetScan, type SchemaTree } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { CsvDataError, planNamedColumns, type ColumnPlan } from '../domain/customer-csv.js'
import { convertValues, valueText } from '../domain/customer-values.js'
import type { Customer } from '../domain/customer.js'
import type { ServingModel } from '../model/serving-model.js'
import { RowTally, checkScoringOptions, scoreFileBatch, type FileScoringOptions, type ScoringSummary } from './file-scoring.js'
import type { ScoredCustomer } from './score-customers.js'
import { assertNotScored, createScoredOutputEncoder, csvCell, type OutputChunk, type OutputColumn, type OutputType, type ScoredOutputEncoder, type ScoredRows } from './scored-output.js'

/**
 * Rows read at once from a row group whose column chunks all have an offset index: hyparquet then
 * fetches and decodes only the pages a slice needs.
 */
export const PARQUET_READ_ROWS = 65_536
/**
 * Rows read at once from a row group without offset indexes. Each slice then fetches its column chunks
 * whole and skips the pages before it by their headers, so slices are fewer and larger; a group of at most
 * this many rows is read in one go. Measured with bench/parquet.ts's inputs and one row group of 1,000,000
 * rows (pyarrow's default size): peak RSS 566-583 MiB reading the group whole, 462-507 MiB in slices of
 * 262,144 rows in about the same time, 416-458 MiB in slices of 65,536 but nearly twice the time.
 */
export const PARQUET_UNINDEXED_READ_ROWS = 262_144

/** Parquet's magic number, at the start and the end of every file. */
const MAGIC = 'PAR1'
/** Smallest Parquet file: the magic at both ends and the footer length. */
const MIN_PARQUET_BYTES = 12

/** A file hyparquet cannot read (corrupt, truncated, an unknown encoding) is the user's to fix: said as the CSV path says it. */
function unreadable (err: unknown): CsvDataError {
  return new CsvDataError(`not readable as Parquet: ${(err as Error).message}`)
}

async function readParquet<T> (step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    throw err instanceof CsvDataError ? err : unreadable(err)
  }
}

async function sliceText (file: AsyncBuffer, start: number, end: number): Promise<string> {
  return Buffer.from(await file.slice(start, end)).toString('latin1')
}

/** The file's metadata; a file that is not Parquet (a CSV named .parquet) is told so before hyparquet's own words. */
async function readMetadata (file: AsyncBuffer): Promise<FileMetaData> {
  if (file.byteLength < MIN_PARQUET_BYTES) throw new CsvDataError(`not a Parquet file: ${file.byteLength} bytes, fewer than any Parquet file has`)
  const [head, tail] = await Promise.all([sliceText(file, 0, MAGIC.length), sliceText(file, file.byteLength - MAGIC.length, file.byteLength)])
  if (head !== MAGIC || tail !== MAGIC) throw new CsvDataError(`not a Parquet file: it does not start and end with "${MAGIC}"`)
  return await readParquet(async () => await parquetMetadataAsync(file))
}

/** How one input column is written to a Parquet output, and the value written for a value read. */
export interface PassThrough {
  readonly type: OutputType
  readonly value: (v: unknown) => unknown
}

const asIs = (v: unknown): unknown => v ?? null
const asText = (v: unknown): unknown => (v === null || v === undefined ? null : typeof v === 'string' ? v : valueText(v))
const asNumber = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v ?? null)
const asBigInt = (v: unknown): unknown => (v === null || v === undefined ? null : BigInt(v as number))

/**
 * The output type of an input column, from what hyparquet decodes it to: numbers stay numbers (decimals
 * as doubles), dates and timestamps timestamps (milliseconds), text text; nested and binary columns are
 * written as the text a CSV output holds (JSON, base64), so any input column passes through.
 */
function passThrough (node: SchemaTree): PassThrough {
  const { type, converted_type: converted, logical_type: logical } = node.element
  if (node.children.length > 0 || type === undefined) return { type: 'STRING', value: asText }
  if (converted === 'DECIMAL' || logical?.type === 'FLOAT16' || type === 'FLOAT' || type === 'DOUBLE') return { type: 'DOUBLE', value: asNumber }
  if (converted === 'DATE' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS' || logical?.type === 'TIMESTAMP' || type === 'INT96') {
    return { type: 'TIMESTAMP', value: asIs }
  }
  const unsigned = converted === 'UINT_32' || converted === 'UINT_64' || (logical?.type === 'INTEGER' && !logical.isSigned)
  if (type === 'BOOLEAN') return { type: 'BOOLEAN', value: asIs }
  if (type === 'INT32') return unsigned ? { type: 'INT64', value: asBigInt } : { type: 'INT32', value: asIs }
  if (type === 'INT64') return unsigned ? { type: 'STRING', value: asText } : { type: 'INT64', value: asIs }
  return { type: 'STRING', value: asText }
}

/** Columns of one slice of the file, as hyparquet decodes them (or a batch's rows copied out of one). */
type SliceColumns = ReadonlyArray<ArrayLike<unknown>>

/** The valid rows of a batch and their answers: row k is row rows[k] of the slice columns[k]. */
class ParquetScoredRows implements ScoredRows {
  readonly count: number
  readonly predictions: readonly ScoredCustomer[]
  private readonly columns: readonly SliceColumns[]
  private readonly rows: readonly number[]
  private readonly passThroughs: readonly PassThrough[]

  constructor (passThroughs: readonly PassThrough[], columns: readonly SliceColumns[], rows: readonly number[], predictions: readonly ScoredCustomer[]) {
    this.count = rows.length
    this.passThroughs = passThroughs
    this.columns = columns
    this.rows = rows
    this.predictions = predictions
  }

  csvLine (k: number): string {
    const columns = this.columns[k] as SliceColumns
    const r = this.rows[k] as number
    let line = ''
    for (let c = 0; c < columns.length; c++) line += (c === 0 ? '' : ',') + csvCell(valueText((columns[c] as ArrayLike<unknown>)[r]))
    return line
  }

  columnValues (c: number): unknown[] {
    const value = (this.passThroughs[c] as PassThrough).value
    return this.rows.map((r, k) => value(((this.columns[k] as SliceColumns)[c] as ArrayLike<unknown>)[r]))
  }
}

/**
 * The rows waiting for a full batch. A batch spans slices (row groups), so its rows are cut where the
 * CSV path cuts them: the same batch sizes, hence the same model code path and the same probability
 * text for the same customers. Rows left when a slice ends are copied out of it, so the slice itself
 * is not kept while the next one is read.
 */
class PendingBatch {
  columns: SliceColumns[] = []
  rows: number[] = []
  customers: Customer[] = []

  add (columns: SliceColumns, r: number, customer: Customer): void {
    this.columns.push(columns)
    this.rows.push(r)
    this.customers.push(customer)
  }

  get size (): number {
    return this.rows.length
  }

  /** Copies the pending rows' cells into small columns of their own. */
  detach (columnCount: number): void {
    if (this.rows.length === 0) return
    const copied: SliceColumns = Array.from({ length: columnCount }, (_, c) => this.rows.map((r, k) => ((this.columns[k] as SliceColumns)[c] as ArrayLike<unknown>)[r]))
    this.columns = this.rows.map(() => copied)
    this.rows = this.rows.map((_, k) => k)
  }

  take (): { columns: SliceColumns[], rows: number[], customers: Customer[] } {
    const taken = { columns: this.columns, rows: this.rows, customers: this.customers }
    this.columns = []
    this.rows = []
    this.customers = []
    return taken
  }
}

export interface ParquetScoringOptions extends FileScoringOptions {
  /** Rows read at once from any row group (default: PARQUET_READ_ROWS, PARQUET_UNINDEXED_READ_ROWS without offset indexes). */
  readonly readRows?: number
}

/** The row ranges [start, end) read at once from each row group, in file order. */
function * readRanges (metadata: FileMetaData, readRows: number | undefined): Generator<[number, number]> {
  let groupStart = 0
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows)
    const indexed = group.columns.every((chunk: ColumnChunk) => chunk.offset_index_offset !== undefined && chunk.offset_index_length !== undefined)
    const step = readRows ?? (indexed ? PARQUET_READ_ROWS : PARQUET_UNINDEXED_READ_ROWS)
    for (let start = 0; start < rows; start += step) yield [groupStart + start, groupStart + Math.min(rows, start + step)]
    groupStart += rows
  }
}

/** A Parquet file opened for scoring: its metadata read, its columns found, nothing decoded yet. */
export interface ParquetInput {
  readonly metadata: FileMetaData
  readonly names: readonly string[]
  readonly plan: ColumnPlan
  readonly passThroughs: readonly PassThrough[]
  readonly scan: ParquetScan
}

/**
 * Reads a Parquet file's footer and finds the customer columns, so a file that is not Parquet or lacks
 * a column is refused (CsvDataError) before anything is scored.
 */
export async function openParquetInput (file: AsyncBuffer): Promise<ParquetInput> {
  const metadata = await readMetadata(file)
  const columns = parquetSchema(metadata).children
  const names = columns.map((c) => c.element.name)
  const plan = planNamedColumns(names, { requireTarget: false, allowExtraColumns: true, ignoreTarget: true })
  assertNotScored(plan.header)
  const scan = await readParquet(async () => await parquetScan({ file, metadata, columns: [...names], compressors }))
  return { metadata, names, plan, passThroughs: columns.map(passThrough), scan }
}

/** The output's chunks: begin, each batch scored, end; the counts kept in `tally`. */
async function * scoredChunks (model: ServingModel, source: ParquetInput, encoder: ScoredOutputEncoder, tally: RowTally, batchSize: number, options: ParquetScoringOptions): AsyncGenerator<OutputChunk> {
  const { names, plan, passThroughs, scan } = source
  yield encoder.begin(names.map((name, c): OutputColumn => ({ name, type: (passThroughs[c] as PassThrough).type })))
  const pending = new PendingBatch()
  const scoreBatch = async (): Promise<OutputChunk | null> => {
    const { columns, rows, customers } = pending.take()
    const predictions = await scoreFileBatch(model, customers, options.threshold)
    const chunk = encoder.add(new ParquetScoredRows(passThroughs, columns, rows, predictions))
    tally.scored(predictions)
    options.onProgress?.(tally.progress())
    return chunk
  }
  for (const [start, end] of readRanges(source.metadata, options.readRows)) {
    const columns: SliceColumns = await readParquet(async () => await Promise.all(names.map(async (column) => await scan.readColumn({ column, rowStart: start, rowEnd: end }))))
    for (let r = 0; r < end - start; r++) {
      tally.rowsRead++
      const result = convertValues(plan, columns, r, start + r + 1)
      if (!result.ok) {
        tally.reject(result.problem)
        continue
      }
      pending.add(columns, r, result.customer)
      if (pending.size < batchSize) continue
      const chunk = await scoreBatch()
      if (chunk !== null) yield chunk
    }
    pending.detach(names.length)
  }
  if (tally.rowsRead === 0) throw new CsvDataError('the Parquet file has no rows')
  if (pending.size > 0) {
    const chunk = await scoreBatch()
    if (chunk !== null) yield chunk
  }
  tally.assertSomeScored()
  const tail = encoder.end()
  if (tail !== null) yield tail
  options.onProgress?.(tally.progress())
}

/**
 * Reads a customer Parquet file (`file`: random access, as hyparquet's asyncBufferFromFile gives, or
 * the file opened already by openParquetInput) and
 * writes its rows to `output` with probability and willBuy appended, as CSV or (outputFormat 'parquet')
 * Parquet. Columns are found by the CSV codec's names; numbers, bigints, booleans, text and nulls (an
 * unknown review score) are read as the field needs. Bad values reject with a CsvDataError naming row
 * and column (unless skipInvalid), as does a file that is not readable Parquet. `output` is ended on success.
 */
export async function scoreParquetFile (model: ServingModel, file: AsyncBuffer | ParquetInput, output: Writable, options: ParquetScoringOptions): Promise<ScoringSummary> {
  const batchSize = checkScoringOptions(options)
  const readRows = options.readRows
  if (readRows !== undefined && !(Number.isInteger(readRows) && readRows >= 1)) throw new RangeError(`readRows must be a positive integer, got ${readRows}`)
  const source = 'scan' in file ? file : await openParquetInput(file)
  const tally = new RowTally(options.skipInvalid === true)
  const encoder = createScoredOutputEncoder(options.outputFormat ?? 'csv', options.rowGroupRows)
  // objectMode false: each chunk counts by its length, so the generator waits while the output is full.
  const chunks = Readable.from(scoredChunks(model, source, encoder, tally, batchSize, options), { objectMode: false })
  await pipeline(chunks, output, { signal: options.signal })
  return tally.summary(source.plan.layout)
}
