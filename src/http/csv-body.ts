// text/csv request bodies for POST /predict/batch: a header row (API field names or Kaggle columns) and
// one customer per row, read by the codec the score CLI and training use (domain/customer-csv.ts), so a
// bad cell gets the same message here as there, naming data row, line and column as the file has them.
import { CUSTOMER_ID_SCHEMA, type Customer } from '../domain/customer.js'
import { counted } from '../domain/counted.js'
import {
  CsvDataError, NO_DATA_ROWS_MESSAGE, convertRecord, isHeaderRecord, planColumns, problemPlace, readCsvRecords,
  type ColumnPlan, type CsvRecord, type RowProblem
} from '../domain/customer-csv.js'
import { LARGE_INPUT_HINT, ServiceError, type ErrorDetail } from './errors.js'
import { MAX_LISTED_PROBLEMS } from './validation.js'

/**
 * The API's limit on a string customerId (a JSON body's is checked by the schema). The codec has no
 * such limit: the score CLI passes ids through to its output whatever their length.
 */
const MAX_ID_CHARS = CUSTOMER_ID_SCHEMA.anyOf[0].maxLength

/** An invalid data row: `index` is its 0-based position among the data rows (a JSON batch's item index). */
export interface CsvRowError extends ErrorDetail {
  readonly index: number
}

/**
 * A parsed CSV body. `customers` (the valid rows) is its only property, and all the route's body schema
 * checks, so a body with invalid rows still passes it: the codec has checked every cell by the same field
 * table. The invalid rows and the positions of the valid ones are private fields, which are not
 * properties, so the schema's additionalProperties: false has nothing to object to.
 */
export class CsvBatch {
  readonly customers: Customer[]
  readonly #rowIndexes: readonly number[]
  readonly #errors: readonly CsvRowError[]

  constructor (customers: Customer[], rowIndexes: readonly number[], errors: readonly CsvRowError[]) {
    this.customers = customers
    this.#rowIndexes = rowIndexes
    this.#errors = errors
  }

  /** 0-based data row of each entry of `customers`. */
  rowIndexes (): readonly number[] {
    return this.#rowIndexes
  }

  /** Every invalid row, in file order. */
  errors (): readonly CsvRowError[] {
    return this.#errors
  }
}

/** The first problem as the score CLI and training word it, then how many more (summarizeProblems' wording for JSON). */
function summary (errors: readonly CsvRowError[]): string {
  const first = errors[0]
  if (first === undefined) return 'the CSV is invalid'
  const more = errors.length - 1
  return `${first.path}: ${first.message}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''}: see details)` : ''}`
}

/** The 400 for a CSV body with invalid rows (outside partial mode): every bad row, up to MAX_LISTED_PROBLEMS. */
export function csvRowsRejected (errors: readonly CsvRowError[]): ServiceError {
  const details = errors.slice(0, MAX_LISTED_PROBLEMS).map(({ path, message }) => ({ path, message }))
  return new ServiceError('VALIDATION_FAILED', summary(errors), details)
}

function invalidCsv (message: string): ServiceError {
  return new ServiceError('INVALID_CSV', message)
}

/** The codec's answer for a file it cannot read at all, as INVALID_CSV with the codec's own message. */
function codecStep<T> (step: () => T): T {
  try {
    return step()
  } catch (err) {
    if (err instanceof CsvDataError) throw invalidCsv(err.message)
    throw err
  }
}

/** What is wrong with a valid row for the API only: a customerId longer than a JSON body may send. */
function idProblem (plan: ColumnPlan, customer: Customer, row: number, line: number): RowProblem | null {
  const id = customer.customerId
  // Counted in code points, as the JSON Schema counts them; the UTF-16 length is a cheap upper bound.
  if (typeof id !== 'string' || id.length <= MAX_ID_CHARS) return null
  const chars = [...id].length
  if (chars <= MAX_ID_CHARS) return null
  return { row, line, column: plan.header[plan.idIndex] ?? 'customerId', message: `must be at most ${MAX_ID_CHARS} characters, got ${chars}` }
}

/**
 * Reads a CSV body: INVALID_CSV when it is not a readable customer CSV (broken quoting, empty, no header,
 * header problems, a wrong separator, no data rows), BATCH_TOO_LARGE over `maxBatch` rows (before any
 * row is converted), otherwise every row converted, invalid ones kept as CsvRowErrors for the route.
 */
export function parseCsvBatch (text: string, maxBatch: number): CsvBatch {
  const records: CsvRecord[] = codecStep(() => readCsvRecords(text))
  const first = records[0]
  if (first === undefined) throw invalidCsv('the CSV body is empty: send a header row and one row per customer')
  if (!isHeaderRecord(first.record)) throw invalidCsv('the CSV body needs a header row (the API field names or the Kaggle column names)')
  const plan = codecStep(() => planColumns(first.record, { requireTarget: false, allowExtraColumns: false, ignoreTarget: true }))
  const rows = records.length - 1
  if (rows === 0) throw invalidCsv(NO_DATA_ROWS_MESSAGE)
  if (rows > maxBatch) {
    throw new ServiceError('BATCH_TOO_LARGE', `the CSV has ${counted(rows, 'data row')}, more than the limit of ${counted(maxBatch, 'customer')} per batch (MAX_BATCH): ${LARGE_INPUT_HINT}`)
  }
  const customers: Customer[] = []
  const rowIndexes: number[] = []
  const errors: CsvRowError[] = []
  for (let index = 0; index < rows; index++) {
    const { record, info } = records[index + 1] as CsvRecord
    const result = convertRecord(plan, record, index + 1, info.lines)
    const problem = result.ok ? idProblem(plan, result.customer, index + 1, info.lines) : result.problem
    if (problem !== null) {
      errors.push({ index, path: problemPlace(problem), message: problem.message })
    } else if (result.ok) {
      customers.push(result.customer)
      rowIndexes.push(index)
    }
  }
  return new CsvBatch(customers, rowIndexes, errors)
}
