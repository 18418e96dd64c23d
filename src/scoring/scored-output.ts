// The output of file scoring in either format: the input's columns as read plus probability and willBuy,
// as CSV text or as Parquet (hyparquet-writer, a row group per PARQUET_ROW_GROUP_ROWS rows). An encoder
// turns scored batches into chunks to write, so every input format feeds every output format and the
// caller keeps the streaming and backpressure. No files, no process.*.
import { ByteWriter, ParquetWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer'
import { CsvDataError } from '../domain/customer-csv.js'
import { probabilityText } from './reported-probability.js'

/** Columns appended to every output row. */
export const SCORE_COLUMNS = ['probability', 'willBuy'] as const

export type FileFormat = 'csv' | 'parquet'
export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'parquet']

/**
 * Rows per Parquet row group written. hyparquet-writer encodes a group from whole columns, so a group's
 * rows are held as JavaScript values until it is written: memory follows this number, not the file's
 * length. Scoring 1,000,000 customers Parquet -> Parquet (bench/parquet.ts's input), peak RSS was
 * 460-466 MiB with groups of 100,000 rows, 413-437 MiB with 50,000, 385-401 MiB with 25,000, against
 * 341-349 MiB writing CSV, at about the same speed.
 */
export const PARQUET_ROW_GROUP_ROWS = 50_000

/** How an input column is typed in a Parquet output (the hyparquet-writer basic types used). */
export type OutputType = 'STRING' | 'DOUBLE' | 'INT32' | 'INT64' | 'BOOLEAN' | 'TIMESTAMP'

export interface OutputColumn {
  /** The input's column name as read. */
  readonly name: string
  readonly type: OutputType
}

/** One scored batch: the input rows kept (valid ones), as read, and their scores. */
export interface ScoredRows {
  readonly count: number
  /** Row k's answer: the reported (rounded) probability and the decision taken on it. */
  readonly predictions: ReadonlyArray<{ readonly probability: number, readonly willBuy: boolean }>
  /** Row k's input cells as one CSV line (without the line end). */
  csvLine: (k: number) => string
  /** Column c's values for every row, as its OutputColumn type asks (null where empty). */
  columnValues: (c: number) => unknown[]
}

/** A chunk to write: text or bytes. */
export type OutputChunk = string | Buffer

export interface ScoredOutputEncoder {
  /** What opens the output: the CSV header; Parquet's leading magic. */
  begin: (columns: readonly OutputColumn[]) => OutputChunk
  /** A scored batch; null while rows are held for a Parquet row group. */
  add: (rows: ScoredRows) => OutputChunk | null
  /** What closes the output (the last row group and the Parquet footer), or null. */
  end: () => OutputChunk | null
}

/** A header that holds probability or willBuy already is refused: the output would name them twice. */
export function assertNotScored (header: readonly string[]): void {
  const clash = SCORE_COLUMNS.filter((c) => header.includes(c))
  if (clash.length > 0) throw new CsvDataError(`header already has column${clash.length > 1 ? 's' : ''} ${clash.join(', ')}: is this file scored already?`)
}

const NEEDS_QUOTES = /[",\r\n]/

/** One CSV cell: quoted when it holds a comma, a quote or a line break, as RFC 4180 asks. */
export function csvCell (text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function csvCells (cells: readonly string[]): string {
  let line = ''
  for (let i = 0; i < cells.length; i++) line += (i === 0 ? '' : ',') + csvCell(cells[i] as string)
  return line
}

/** CSV text, lines ending in LF; the probability as the API writes it (9 decimals). */
class CsvOutputEncoder implements ScoredOutputEncoder {
  begin (columns: readonly OutputColumn[]): OutputChunk {
    return `${csvCells(columns.map((c) => c.name))},${SCORE_COLUMNS.join(',')}\n`
  }

  add (rows: ScoredRows): OutputChunk {
    let text = ''
    for (let k = 0; k < rows.count; k++) {
      const { probability, willBuy } = rows.predictions[k] as { probability: number, willBuy: boolean }
      text += `${rows.csvLine(k)},${probabilityText(probability)},${willBuy ? 'true' : 'false'}\n`
    }
    return text
  }

  end (): null {
    return null
  }
}

/**
 * Parquet through hyparquet-writer's incremental ParquetWriter: rows are gathered by column until a row
 * group is full, the group is encoded into an in-memory ByteWriter, and its bytes are handed out and the
 * buffer reused, so only one row group is ever held. probability is a DOUBLE holding the reported
 * (rounded) value and willBuy a BOOLEAN, both required; input columns are optional.
 */
class ParquetOutputEncoder implements ScoredOutputEncoder {
  private readonly bytes = new ByteWriter()
  private writer: ParquetWriter | null = null
  private names: string[] = []
  private pending: unknown[][] = []
  private pendingRows = 0
  private readonly rowGroupRows: number

  constructor (rowGroupRows: number) {
    this.rowGroupRows = rowGroupRows
  }

  begin (columns: readonly OutputColumn[]): OutputChunk {
    const sources: ColumnSource[] = [
      ...columns.map((c): ColumnSource => ({ name: c.name, data: [], type: c.type, nullable: true })),
      { name: 'probability', data: [], type: 'DOUBLE', nullable: false },
      { name: 'willBuy', data: [], type: 'BOOLEAN', nullable: false }
    ]
    this.names = sources.map((s) => s.name)
    this.pending = sources.map(() => [])
    this.writer = new ParquetWriter({ writer: this.bytes, schema: schemaFromColumnData({ columnData: sources }), createdBy: 'buy-again score' })
    return this.takeBytes()
  }

  add (rows: ScoredRows): OutputChunk | null {
    const inputColumns = this.names.length - SCORE_COLUMNS.length
    for (let c = 0; c < inputColumns; c++) {
      const target = this.pending[c] as unknown[]
      for (const value of rows.columnValues(c)) target.push(value)
    }
    const probabilities = this.pending[inputColumns] as unknown[]
    const decisions = this.pending[inputColumns + 1] as unknown[]
    for (let k = 0; k < rows.count; k++) {
      const prediction = rows.predictions[k] as { probability: number, willBuy: boolean }
      probabilities.push(prediction.probability)
      decisions.push(prediction.willBuy)
    }
    this.pendingRows += rows.count
    if (this.pendingRows < this.rowGroupRows) return null
    // Whole groups only; the rows beyond them wait for the next batch.
    this.writeRowGroups(this.pendingRows - (this.pendingRows % this.rowGroupRows))
    return this.takeBytes()
  }

  end (): OutputChunk {
    const writer = this.requireWriter()
    if (this.pendingRows > 0) this.writeRowGroups(this.pendingRows)
    expectDone(writer.finish())
    return this.takeBytes()
  }

  /** Writes the first `rows` pending rows, in groups of rowGroupRows. */
  private writeRowGroups (rows: number): void {
    const columnData = this.names.map((name, c) => ({ name, data: (this.pending[c] as unknown[]).slice(0, rows) }))
    expectDone(this.requireWriter().write({ columnData, rowGroupSize: this.rowGroupRows }))
    this.pending = this.pending.map((values) => values.slice(rows))
    this.pendingRows -= rows
  }

  /** The bytes encoded since the last call (copied), and the buffer emptied for the next group. */
  private takeBytes (): Buffer {
    const chunk = Buffer.from(this.bytes.getBytes())
    this.bytes.index = 0
    return chunk
  }

  private requireWriter (): ParquetWriter {
    if (this.writer === null) throw new Error('ParquetOutputEncoder: begin() was not called')
    return this.writer
  }
}

/** ParquetWriter returns a promise only when its Writer's flush does; a ByteWriter has none, so the bytes are there at once. */
function expectDone (result: void | Promise<void>): void {
  if (result !== undefined) throw new Error('hyparquet-writer deferred a write to a ByteWriter: its bytes would be taken too early')
}

export function createScoredOutputEncoder (format: FileFormat, rowGroupRows = PARQUET_ROW_GROUP_ROWS): ScoredOutputEncoder {
  return format === 'csv' ? new CsvOutputEncoder() : new ParquetOutputEncoder(rowGroupRows)
}
