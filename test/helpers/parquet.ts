// Synthetic customers as Parquet files (hyparquet-writer), typed as warehouse unloads type them, and a
// reader for what the scorer writes. Column names come from CUSTOMER_FIELDS; never real rows.
import { parquetReadObjects, parquetMetadata, parquetSchema } from 'hyparquet'
import { parquetWriteBuffer, schemaFromColumnData, type ColumnSource, type SchemaElement } from 'hyparquet-writer'
import { CUSTOMER_FIELDS, type FieldSpec } from '../../src/domain/customer.js'
import type { SyntheticData } from './synthetic.js'

export interface ParquetLayout {
  /** Kaggle column names (ID, Target) or the API's (customerId, target). */
  readonly names: 'kaggle' | 'api'
  /** How integer fields (supportRequests) are stored: INT32 numbers or INT64 bigints. */
  readonly integers?: 'INT32' | 'INT64'
  /** How the boolean field (reviewed) is stored: BOOLEAN, or INT32 0/1 as the Kaggle file has it. */
  readonly booleans?: 'BOOLEAN' | 'INT32'
  readonly withLabels?: boolean
}

/** The columns of `data` (an INT64 id, the fields, an INT32 label), ready to be edited and written. */
export function customerColumns (data: SyntheticData, layout: ParquetLayout): ColumnSource[] {
  const { names, integers = 'INT64', booleans = 'BOOLEAN', withLabels = true } = layout
  const fields = CUSTOMER_FIELDS as readonly FieldSpec[]
  const valueOf = (field: FieldSpec, value: unknown): unknown => {
    if (value === null || value === undefined) return null
    if (field.type === 'boolean') return booleans === 'BOOLEAN' ? value : (value === true ? 1 : 0)
    if (field.type === 'integer') return integers === 'INT64' ? BigInt(value as number) : value
    return value
  }
  const typeOf = (field: FieldSpec): ColumnSource['type'] => field.type === 'boolean' ? booleans : field.type === 'integer' ? integers : 'DOUBLE'
  return [
    { name: names === 'api' ? 'customerId' : 'ID', data: data.customers.map((c) => BigInt(c.customerId as number)), type: 'INT64' },
    ...fields.map((field): ColumnSource => ({
      name: names === 'api' ? field.name : field.kaggleColumn,
      data: data.customers.map((c) => valueOf(field, (c as unknown as Record<string, unknown>)[field.name])),
      type: typeOf(field)
    })),
    ...(withLabels ? [{ name: names === 'api' ? 'target' : 'Target', data: data.labels.slice(), type: 'INT32' as const }] : [])
  ]
}

export interface ParquetFileOptions {
  /** Rows per row group (default: one group). */
  readonly rowGroupSize?: number
  /** Whether column chunks get an offset index (hyparquet-writer's default: yes). */
  readonly offsetIndex?: boolean
  /** Schema elements for columns given without a type (a DECIMAL, as warehouses write prices). */
  readonly schemaOverrides?: Record<string, SchemaElement>
}

export function parquetBytes (columns: readonly ColumnSource[], options: ParquetFileOptions = {}): Buffer {
  const rows = columns[0]?.data.length ?? 0
  const columnData = columns.map((c) => ({ ...c, offsetIndex: options.offsetIndex ?? true }))
  const rowGroupSize = options.rowGroupSize ?? Math.max(rows, 1)
  if (options.schemaOverrides === undefined) return Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize }))
  // hyparquet-writer takes types either in the columns or in a schema: here the schema holds them all.
  const schema = schemaFromColumnData({ columnData, schemaOverrides: options.schemaOverrides })
  return Buffer.from(parquetWriteBuffer({ columnData: columnData.map(({ type: _type, ...c }) => c), schema, rowGroupSize }))
}

function arrayBuffer (bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

/** Every row of a Parquet file as an object (hyparquet's types: bigint for INT64, null for empty). */
export async function readParquetRows (bytes: Buffer): Promise<Array<Record<string, unknown>>> {
  return await parquetReadObjects({ file: arrayBuffer(bytes) })
}

/** Column name -> its physical type, or with a converted type "BYTE_ARRAY/UTF8". */
export function parquetColumnTypes (bytes: Buffer): Record<string, string> {
  const schema = parquetSchema(parquetMetadata(arrayBuffer(bytes)))
  return Object.fromEntries(schema.children.map((c) => [c.element.name, [c.element.type, c.element.converted_type].filter((t) => t !== undefined).join('/')]))
}

/** The row groups of a Parquet file: how many rows each holds. */
export function parquetRowGroups (bytes: Buffer): number[] {
  return parquetMetadata(arrayBuffer(bytes)).row_groups.map((g) => Number(g.num_rows))
}
