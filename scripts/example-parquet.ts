// Writes examples/customers.parquet: the same made-up customers as examples/customers.csv, typed as a
// warehouse unload would type them, so a newcomer has a Parquet file to score. The test in
// test/examples.test.ts regenerates the bytes and fails when the committed file differs.
// Run: node --import tsx scripts/example-parquet.ts
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer'
import { CUSTOMER_FIELDS, type Customer, type FieldSpec } from '../src/domain/customer.js'
import { fieldOutputType } from '../src/scoring/file-scoring.js'
import { parseCustomerCsv } from '../src/domain/customer-csv.js'
import { isDirectRun } from './cli-args.js'

export const EXAMPLE_CSV = fileURLToPath(new URL('../examples/customers.csv', import.meta.url))
export const EXAMPLE_PARQUET = fileURLToPath(new URL('../examples/customers.parquet', import.meta.url))

/** The Parquet bytes for the customers of examples/customers.csv (deterministic: no timestamps). */
export function exampleParquetBytes (csv: Buffer = readFileSync(EXAMPLE_CSV)): Buffer {
  const { customers } = parseCustomerCsv(csv, { requireTarget: false })
  const column = (name: keyof Customer): unknown[] => customers.map((c) => c[name] ?? null)
  const columnData: ColumnSource[] = [
    { name: 'customerId', data: customers.map((c) => String(c.customerId)), type: 'STRING' },
    ...CUSTOMER_FIELDS.map((field): ColumnSource => ({
      name: field.name,
      data: column(field.name),
      type: fieldOutputType(field),
      nullable: (field as FieldSpec).optional === true
    }))
  ]
  return Buffer.from(parquetWriteBuffer({ columnData }))
}

if (isDirectRun(import.meta.url)) {
  writeFileSync(EXAMPLE_PARQUET, exampleParquetBytes())
  process.stdout.write(`wrote ${EXAMPLE_PARQUET}\n`)
}
