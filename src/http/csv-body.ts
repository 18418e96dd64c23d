// text/csv request bodies for POST /predict/batch: a header row (API field names or Kaggle columns)
// and one customer per row, turned into the same { customers: [...] } object a JSON body gives.
import { parse as parseSync } from 'csv-parse/sync'
import { CSV_PARSE_OPTIONS, CsvDataError, planColumns, recordToLooseCustomer, type ColumnPlan } from '../domain/customer-csv.js'
import { ServiceError } from './errors.js'

export function parseCsvBatch (text: string): { customers: Array<Record<string, unknown>> } {
  let records: Array<{ record: string[], info: { lines: number } }>
  try {
    records = parseSync(text, CSV_PARSE_OPTIONS) as unknown as typeof records
  } catch (err) {
    throw new ServiceError('INVALID_CSV', `body is not valid CSV: ${(err as Error).message}`)
  }
  const first = records[0]
  if (first === undefined) throw new ServiceError('INVALID_CSV', 'CSV body is empty: send a header row and one row per customer')
  let plan: ColumnPlan
  try {
    plan = planColumns(first.record, { requireTarget: false, allowExtraColumns: false })
  } catch (err) {
    throw new ServiceError('INVALID_CSV', `CSV ${(err as CsvDataError).message}`)
  }
  if (!plan.hasHeader) throw new ServiceError('INVALID_CSV', 'CSV body needs a header row (API field names or the Kaggle column names)')
  const customers = records.slice(1).map(({ record, info }, i) => {
    if (record.length !== plan.columnCount) {
      throw new ServiceError('INVALID_CSV', `CSV row ${i + 1} (line ${info.lines}) has ${record.length} columns, the header has ${plan.columnCount}`)
    }
    return recordToLooseCustomer(plan, record)
  })
  return { customers }
}
