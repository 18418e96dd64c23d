// Typed cells (what a Parquet file holds: numbers, bigints, booleans, strings, dates, nulls) -> customers,
// through the CSV codec's column plan (customer-csv.ts), so the same column names are accepted and a bad
// value gets the CSV path's message without the line: "row 3, column Completion: must be <= 1, got "1.5"".
import type { Customer, FieldSpec } from './customer.js'
import { convertFields, inconsistencyMessage, parseCell, type ColumnPlan, type RowResult } from './customer-csv.js'

/** Characters of a value quoted in a message, as the CSV codec quotes a cell. */
const QUOTED_CHARS = 40

/**
 * The text of a typed value: what a CSV output writes for it and what messages quote. Numbers as
 * JavaScript writes them, dates in ISO 8601 (UTC), bytes in base64, nested values as JSON; null is empty.
 */
export function valueText (value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? String(value)
}

function quoted (value: unknown): string {
  return `"${valueText(value).trim().slice(0, QUOTED_CHARS)}"`
}

/** A typed cell as a field's value (null: an absent optional one), or what is wrong with it. */
function fieldValue (field: FieldSpec, value: unknown): number | boolean | null | string {
  if (value === null || value === undefined) return field.optional === true ? null : 'is null'
  // A text column (a warehouse unload of a VARCHAR) is read as the CSV codec reads a cell.
  if (typeof value === 'string') return parseCell(field, value)
  if (field.type === 'boolean') {
    if (typeof value === 'boolean') return value
    if (value === 0 || value === 0n) return false
    if (value === 1 || value === 1n) return true
    return `must be 0/1 or true/false, got ${quoted(value)}`
  }
  if (typeof value === 'number') return value
  // Whole numbers (INT64) arrive as bigints; the field's bounds are far inside the safe range.
  if (typeof value === 'bigint') return Number(value)
  return `must be a number, got ${quoted(value)}`
}

/** The caller's identifier as a customerId: text as written, numbers as numbers (bigints beyond the safe range as text). */
function idValue (value: unknown): string | number | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : String(value)
  const text = valueText(value)
  return text.trim() === '' ? null : text
}

function labelValue (value: unknown): number | null {
  if (value === true || value === 1 || value === 1n) return 1
  if (value === false || value === 0 || value === 0n) return 0
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase()
    if (text === '1' || text === 'true') return 1
    if (text === '0' || text === 'false') return 0
  }
  return null
}

/**
 * Converts row `r` of columnar data (`columns[i]` holds the column the plan's header names at i) to a
 * customer; `row` is the 1-based row reported in a problem. Never throws.
 */
export function convertValues (plan: ColumnPlan, columns: ReadonlyArray<ArrayLike<unknown>>, r: number, row: number): RowResult {
  const fail = (column: string | null, message: string): RowResult => ({ ok: false, problem: { row, line: null, column, message } })
  const cell = (index: number): unknown => columns[index]?.[r]
  const read = convertFields(plan, (field, index) => fieldValue(field, cell(index)), (index) => valueText(cell(index)))
  if ('message' in read) return fail(read.column, read.message)
  const customer = read.customer
  const inconsistency = inconsistencyMessage(plan, (index) => valueText(cell(index)), customer as Customer)
  if (inconsistency !== null) return fail(inconsistency.column, inconsistency.message)
  const id = plan.idIndex === -1 ? null : idValue(cell(plan.idIndex))
  if (id !== null) customer.customerId = id
  let label: number | null = null
  if (plan.targetIndex !== -1) {
    const value = cell(plan.targetIndex)
    label = labelValue(value)
    if (label === null) return fail(plan.header[plan.targetIndex] ?? 'Target', `must be 0 or 1, got ${quoted(value)}`)
  }
  return { ok: true, customer: customer as Customer, label }
}
