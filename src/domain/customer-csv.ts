// CSV (csv-parse) -> customers (+ labels), through the one customer schema, with row-numbered errors.
// Accepts the Kaggle header, a header of the API's field names, or no header at all (the course
// file Audiobooks_data.csv: the Kaggle columns in the same order). CRLF or LF, optional BOM.
// The one codec: training, the score CLI and CSV request bodies all read rows through planColumns and
// convertRecord, so the same bad cell gets the same message everywhere.
import { parse as parseSync } from 'csv-parse/sync'
import { CUSTOMER_FIELDS, ID_COLUMNS, TARGET_COLUMNS, fieldValueProblem, type Customer, type CustomerFieldName, type FieldSpec } from './customer.js'
import { consistencyProblems } from './customer-consistency.js'

export type CsvLayout = 'kaggle' | 'api' | 'headerless'

export interface RowProblem {
  /** 1-based data row (the header is not counted). */
  readonly row: number
  /** 1-based line in the file, or null where the file has no lines (Parquet). */
  readonly line: number | null
  readonly column: string | null
  readonly message: string
}

export class CsvDataError extends Error {
  readonly problems: readonly RowProblem[]
  constructor (message: string, problems: readonly RowProblem[] = []) {
    super(message)
    this.name = 'CsvDataError'
    this.problems = problems
  }
}

/**
 * Where a problem is, in the file's own terms: "row 3 (line 4), column Price_overall" (no column for a
 * whole-row problem; no line for a Parquet file: "row 3, column Price_overall").
 */
export function problemPlace (p: RowProblem): string {
  const where = p.column === null ? '' : `, column ${p.column}`
  const line = p.line === null ? '' : ` (line ${p.line})`
  return `row ${p.row}${line}${where}`
}

/** "row 3 (line 4), column Price_overall: must be a number, got "9,5"": what every CSV reader reports. */
export function describeProblem (p: RowProblem): string {
  return `${problemPlace(p)}: ${p.message}`
}

/** A header and nothing else: said the same way by every reader that needs rows. */
export const NO_DATA_ROWS_MESSAGE = 'the CSV has a header but no data rows'

export interface ColumnPlan {
  readonly layout: CsvLayout
  readonly hasHeader: boolean
  readonly columnCount: number
  readonly header: readonly string[]
  /** Column index of each customer field, or -1 when absent (optional fields only). */
  readonly fieldIndex: readonly number[]
  readonly idIndex: number
  readonly targetIndex: number
}

export interface CsvReadOptions {
  /** Training data: the label column must be present. */
  readonly requireTarget: boolean
  /** Columns other than the known ones are ignored instead of rejected (file scoring passes them through). */
  readonly allowExtraColumns?: boolean
  /** A label column is accepted but not read: the API scores customers, it does not learn from them. */
  readonly ignoreTarget?: boolean
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

function looksNumeric (cell: string): boolean {
  return NUMBER_TEXT.test(cell.trim())
}

/** Every column name a header may hold (both layouts, ids and labels). */
const KNOWN_COLUMNS: ReadonlySet<string> = new Set([
  ...CUSTOMER_FIELDS.flatMap((f) => [f.name, f.kaggleColumn]), ...ID_COLUMNS, ...TARGET_COLUMNS
])

/** Separators spreadsheets write instead of commas (';' where the decimal mark is a comma). */
const FOREIGN_SEPARATORS = [';', '\t'] as const

/**
 * The separator a first record that could not be read as a header was written with, or null. Read
 * with commas, a ';' or tab file gives one cell (or a few, split at decimal commas); split again on the
 * other separator it shows the known column names, or a row of numbers for a headerless file.
 */
function foreignSeparator (firstRecord: readonly string[]): string | null {
  const text = firstRecord.join(',')
  for (const separator of FOREIGN_SEPARATORS) {
    const cells = text.split(separator).map((c) => c.trim())
    if (cells.length < 2) continue
    if (cells.some((c) => KNOWN_COLUMNS.has(c))) return separator
    const numbers = cells.every((c) => c === '' || looksNumeric(c.replace(',', '.')))
    if (numbers && cells.length >= CUSTOMER_FIELDS.length) return separator
  }
  return null
}

/** Whether a first record is a header: a header has text in it; a data row has only numbers (and maybe an empty review score). */
export function isHeaderRecord (firstRecord: readonly string[]): boolean {
  return !firstRecord.every((cell) => cell.trim() === '' || looksNumeric(cell))
}

/** Decides from the first record whether there is a header and where each field lives. */
export function planColumns (firstRecord: readonly string[], options: CsvReadOptions): ColumnPlan {
  const fields = CUSTOMER_FIELDS as readonly FieldSpec[]
  if (!isHeaderRecord(firstRecord)) {
    // Headerless course file: ID, the ten fields in Kaggle order, Target.
    const expected = fields.length + 2
    if (firstRecord.length !== expected && firstRecord.length !== expected - 1) {
      throw new CsvDataError(`a file without a header must have ${expected} columns (ID, ${fields.length} fields, Target) but row 1 has ${firstRecord.length}`)
    }
    const hasTarget = firstRecord.length === expected
    if (options.requireTarget && !hasTarget) throw new CsvDataError(`training data needs a Target column: a file without a header must have ${expected} columns`)
    return {
      layout: 'headerless',
      hasHeader: false,
      columnCount: firstRecord.length,
      header: ['ID', ...fields.map((f) => f.kaggleColumn), ...(hasTarget ? ['Target'] : [])],
      fieldIndex: fields.map((_, i) => i + 1),
      idIndex: 0,
      targetIndex: hasTarget && options.ignoreTarget !== true ? expected - 1 : -1
    }
  }
  const header = firstRecord.map((h) => h.trim())
  const separator = missingFieldColumns(header).length > 0 ? foreignSeparator(firstRecord) : null
  if (separator !== null) throw new CsvDataError(`the CSV uses ${separator === '\t' ? 'tabs' : `'${separator}'`} as separator: use ','`)
  return planNamedColumns(header, options)
}

/** Whether a header holds Kaggle column names (else API field names are looked for). */
function isKaggleHeader (header: readonly string[]): boolean {
  return (CUSTOMER_FIELDS as readonly FieldSpec[]).some((f) => header.includes(f.kaggleColumn))
}

/** The column names of required fields a header lacks, in the header's own naming (Kaggle or API). */
function missingFieldColumns (header: readonly string[]): string[] {
  const isKaggle = isKaggleHeader(header)
  return (CUSTOMER_FIELDS as readonly FieldSpec[])
    .filter((f) => f.optional !== true && !header.includes(isKaggle ? f.kaggleColumn : f.name))
    .map((f) => (isKaggle ? f.kaggleColumn : f.name))
}

/**
 * Where each field lives among named columns (a CSV header, or a Parquet file's columns), with the
 * Kaggle or the API names, decided by which the names hold. Throws a CsvDataError for a name given
 * twice, a missing required field, or (unless allowExtraColumns) an unknown column.
 */
export function planNamedColumns (names: readonly string[], options: CsvReadOptions): ColumnPlan {
  const fields = CUSTOMER_FIELDS as readonly FieldSpec[]
  const header = names.map((h) => h.trim())
  const seen = new Set<string>()
  for (const name of header) {
    if (seen.has(name)) throw new CsvDataError(`header names column "${name}" twice`)
    seen.add(name)
  }
  const isKaggle = isKaggleHeader(header)
  const layout: CsvLayout = isKaggle ? 'kaggle' : 'api'
  const nameOf = (f: FieldSpec): string => (isKaggle ? f.kaggleColumn : f.name)
  const fieldIndex = fields.map((f) => header.indexOf(nameOf(f)))
  const missing = missingFieldColumns(header)
  if (missing.length > 0) {
    throw new CsvDataError(`header is missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (found: ${header.join(', ')})`)
  }
  const idIndex = header.findIndex((h) => (ID_COLUMNS as readonly string[]).includes(h))
  const labelIndex = header.findIndex((h) => (TARGET_COLUMNS as readonly string[]).includes(h))
  const targetIndex = options.ignoreTarget === true ? -1 : labelIndex
  if (options.requireTarget && labelIndex === -1) throw new CsvDataError(`header has no label column (one of ${TARGET_COLUMNS.join(', ')})`)
  const known = new Set([...fields.map(nameOf), ...ID_COLUMNS, ...TARGET_COLUMNS])
  // Against the fields only: an extra id or label column (id, customer_id, TARGET) is common and harmless.
  const misspelled = nearMisses(header.filter((h) => !known.has(h)), fields.map(nameOf))
  if (misspelled.length > 0) {
    // Also where other columns are welcome (the file CLI copies them to its output): read as one of
    // those, a misspelled optional field (review_score) would be left out and imputed without a word.
    throw new CsvDataError(`header has ${misspelled.length > 1 ? 'columns' : 'a column'} named almost like a field: ${misspelled.join(', ')}; column names must match exactly, case included`)
  }
  if (options.allowExtraColumns !== true) {
    const unknown = header.filter((h) => !known.has(h))
    if (unknown.length > 0) throw new CsvDataError(`header has unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`)
  }
  return { layout, hasHeader: true, columnCount: header.length, header, fieldIndex, idIndex, targetIndex }
}

const squeezed = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '')

/** Each of `unknown` whose name is one of `expected` but for case and punctuation, as "review_score (reviewScore?)". */
function nearMisses (unknown: readonly string[], expected: readonly string[]): string[] {
  const bySqueezed = new Map(expected.map((name) => [squeezed(name), name]))
  return unknown.flatMap((name) => {
    const meant = bySqueezed.get(squeezed(name))
    return meant === undefined ? [] : [`${name} (${meant}?)`]
  })
}

/** A cell's text as a field's value (null: empty optional), or the problem ("is empty", "must be a number, got ..."). */
export function parseCell (field: FieldSpec, cell: string): number | boolean | null | string {
  const text = cell.trim()
  if (text === '') return field.optional === true ? null : 'is empty'
  if (field.type === 'boolean') {
    if (text === '1' || text.toLowerCase() === 'true') return true
    if (text === '0' || text.toLowerCase() === 'false') return false
    return `must be 0/1 or true/false, got "${text.slice(0, 40)}"`
  }
  if (!looksNumeric(text)) return `must be a number, got "${text.slice(0, 40)}"`
  return Number(text)
}

export type RowResult =
  | { readonly ok: true, readonly customer: Customer, readonly label: number | null }
  | { readonly ok: false, readonly problem: RowProblem }

/** The id cell exactly as written (callers join answers back on it), or null when the file has none or it is blank. */
function idCell (plan: ColumnPlan, record: readonly string[]): string | null {
  const id = plan.idIndex === -1 ? '' : record[plan.idIndex] ?? ''
  return id.trim() === '' ? null : id
}

function columnOf (plan: ColumnPlan, field: CustomerFieldName): { name: string, index: number } {
  const index = plan.fieldIndex[CUSTOMER_FIELDS.findIndex((f) => f.name === field)] as number
  return { name: plan.header[index] ?? field, index }
}

/**
 * The first cross-field problem of a customer whose cells are each valid (customer-consistency.ts: a
 * total below its average), with both columns named as in the file's header: the Kaggle file's
 * avg/total names are swapped, so a mapping done by name is the usual cause. `cellText` gives the
 * text of the cell at a column index, as the file holds it.
 */
export function inconsistencyMessage (plan: ColumnPlan, cellText: (index: number) => string, customer: Customer): { column: string, message: string } | null {
  const problem = consistencyProblems(customer)[0]
  if (problem === undefined) return null
  const total = columnOf(plan, problem.field)
  const average = columnOf(plan, problem.otherField)
  const cell = (index: number): string => cellText(index).trim().slice(0, 40)
  const roles = plan.layout === 'api' ? '' : ` (${average.name} holds the average and ${total.name} the total, despite their names)`
  return {
    column: total.name,
    message: `${cell(total.index)} is below ${average.name} (${cell(average.index)}), but a total cannot be below its average: ` +
      `${average.name} and ${total.name} may be swapped${roles}`
  }
}

/**
 * The customer fields of one row, each read by `valueAt` (the field's value, null for an absent optional
 * one, or what is wrong with the cell) and checked against the field table. A problem names the column
 * as the file's header does; a value the table refuses quotes the cell as `shownAt` gives it. Shared by
 * CSV records and typed (Parquet) columns, so both refuse alike.
 */
export function convertFields (
  plan: ColumnPlan, valueAt: (field: FieldSpec, index: number) => number | boolean | null | string, shownAt: (index: number) => string
): { readonly customer: Record<string, unknown> } | { readonly column: string, readonly message: string } {
  const customer: Record<string, unknown> = {}
  const fields = CUSTOMER_FIELDS as readonly FieldSpec[]
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as FieldSpec
    const index = plan.fieldIndex[i] as number
    const column = plan.header[index] ?? field.name
    const parsed = index === -1 ? null : valueAt(field, index)
    if (typeof parsed === 'string') return { column, message: parsed }
    const problem = fieldValueProblem(field, parsed)
    // The cell as written: the reader finds it in the file.
    if (problem !== null) return { column, message: `${problem}, got "${shownAt(index).trim().slice(0, 40)}"` }
    if (parsed !== null) customer[field.name] = parsed
  }
  return { customer }
}

/** Converts one data record; never throws. */
export function convertRecord (plan: ColumnPlan, record: readonly string[], row: number, line: number): RowResult {
  const fail = (column: string | null, message: string): RowResult => ({ ok: false, problem: { row, line, column, message } })
  if (record.length !== plan.columnCount) return fail(null, `has ${record.length} columns, expected ${plan.columnCount}`)
  const read = convertFields(plan, (field, index) => parseCell(field, record[index] as string), (index) => record[index] as string)
  if ('message' in read) return fail(read.column, read.message)
  const customer = read.customer
  const inconsistency = inconsistencyMessage(plan, (index) => record[index] ?? '', customer as Customer)
  if (inconsistency !== null) return fail(inconsistency.column, inconsistency.message)
  const id = idCell(plan, record)
  if (id !== null) customer.customerId = id
  let label: number | null = null
  if (plan.targetIndex !== -1) {
    const text = (record[plan.targetIndex] as string).trim().toLowerCase()
    if (text === '1' || text === 'true') label = 1
    else if (text === '0' || text === 'false') label = 0
    else return fail(plan.header[plan.targetIndex] ?? 'Target', `must be 0 or 1, got "${text.slice(0, 40)}"`)
  }
  return { ok: true, customer: customer as Customer, label }
}

/** csv-parse settings shared by every reader: lenient column count so we can name the row ourselves. */
export const CSV_PARSE_OPTIONS = {
  bom: true,
  skip_empty_lines: true,
  relax_column_count: true,
  info: true
} as const

/** One record as csv-parse gives it: the cells and, in `info.lines`, the 1-based line where it ends. */
export interface CsvRecord {
  readonly record: string[]
  readonly info: { readonly lines: number }
}

/** Every record of a whole CSV text (blank lines skipped); broken quoting is a CsvDataError. */
export function readCsvRecords (text: string | Buffer): CsvRecord[] {
  try {
    return parseSync(text, CSV_PARSE_OPTIONS) as unknown as CsvRecord[]
  } catch (err) {
    throw new CsvDataError(`not readable as CSV: ${(err as Error).message}`)
  }
}

export interface ParsedCsv {
  readonly layout: CsvLayout
  readonly customers: Customer[]
  /** Labels (0/1) when the file has a label column, else empty. */
  readonly labels: number[]
  /** Rows skipped because they were invalid (only when skipInvalid). */
  readonly skipped: RowProblem[]
}

/**
 * Parses a whole CSV text. Invalid rows throw a CsvDataError naming row, line and column,
 * unless skipInvalid, which drops them and lists them in `skipped`.
 */
export function parseCustomerCsv (text: string | Buffer, options: CsvReadOptions & { readonly skipInvalid?: boolean }): ParsedCsv {
  const records = readCsvRecords(text)
  const first = records[0]
  if (first === undefined) throw new CsvDataError('the CSV file is empty')
  const plan = planColumns(first.record, options)
  const dataRecords = plan.hasHeader ? records.slice(1) : records
  if (dataRecords.length === 0) throw new CsvDataError(NO_DATA_ROWS_MESSAGE)
  const customers: Customer[] = []
  const labels: number[] = []
  const skipped: RowProblem[] = []
  dataRecords.forEach(({ record, info }, i) => {
    const result = convertRecord(plan, record, i + 1, info.lines)
    if (!result.ok) {
      if (options.skipInvalid !== true) throw new CsvDataError(describeProblem(result.problem), [result.problem])
      skipped.push(result.problem)
      return
    }
    customers.push(result.customer)
    if (result.label !== null) labels.push(result.label)
  })
  if (customers.length === 0) throw new CsvDataError(`no valid rows: ${skipped.length === 1 ? 'the only row was' : `all ${skipped.length} rows were`} invalid`, skipped)
  return { layout: plan.layout, customers, labels, skipped }
}
