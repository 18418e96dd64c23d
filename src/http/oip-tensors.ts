// Open Inference Protocol (KServe V2) tensors <-> customers. Each customer field is one input tensor
// named as the API field (CUSTOMER_FIELDS), shape [N] or [N, 1], row i of every tensor being customer
// i; the answer is two output tensors in the same row order. Values are checked against the same field
// table as JSON and CSV bodies (fieldValueProblem, consistencyProblems): a row is refused for exactly
// what would refuse that customer in POST /predict/batch.
import { CUSTOMER_FIELDS, fieldValueProblem, type Customer, type FieldSpec } from '../domain/customer.js'
import { counted } from '../domain/counted.js'
import { apiNameOfKaggleColumn, consistencyProblems } from '../domain/customer-consistency.js'
import type { ScoredCustomer } from '../scoring/score-customers.js'
import type { ErrorDetail } from './errors.js'
import { MAX_LISTED_PROBLEMS } from './validation.js'

/** One tensor of an inference request, as the protocol's request_input states it. */
export interface RequestInput {
  readonly name: string
  readonly shape: readonly number[]
  readonly datatype: string
  readonly parameters?: Readonly<Record<string, unknown>>
  readonly data: readonly unknown[]
}

/** A tensor as model metadata describes it (-1: any number of rows). */
export interface MetadataTensor {
  readonly name: string
  readonly datatype: string
  readonly shape: readonly number[]
}

/** One tensor of an inference answer. */
export interface ResponseOutput {
  readonly name: OutputName
  readonly datatype: 'FP32' | 'BOOL'
  readonly shape: readonly number[]
  readonly data: readonly number[] | readonly boolean[]
}

/** The model's outputs; a request that names none gets all of them, as the protocol says. */
export const OUTPUT_NAMES = ['probability', 'willBuy'] as const
export type OutputName = (typeof OUTPUT_NAMES)[number]

/**
 * Datatypes a number field accepts. They all arrive as JSON numbers, so they reach the model exactly
 * as the same value in a JSON batch would; the integer ones must hold integers.
 */
const NUMBER_DATATYPES: readonly string[] = ['FP32', 'FP64', 'INT32', 'INT64']
const INTEGER_DATATYPES: ReadonlySet<string> = new Set(['INT32', 'INT64'])

const FIELDS: ReadonlyMap<string, FieldSpec> = new Map((CUSTOMER_FIELDS as readonly FieldSpec[]).map((f) => [f.name, f]))
const INPUT_NAMES = CUSTOMER_FIELDS.map((f) => f.name).join(', ')

/**
 * The datatype metadata announces per field: FP64 for numbers because JSON numbers are doubles (an FP32
 * value sent for 19.99 is 19.9899997..., not what the batch route receives), INT64 for counts, BOOL for flags.
 */
function announcedDatatype (field: FieldSpec): string {
  return field.type === 'boolean' ? 'BOOL' : field.type === 'integer' ? 'INT64' : 'FP64'
}

export function inputMetadata (): MetadataTensor[] {
  return (CUSTOMER_FIELDS as readonly FieldSpec[]).map((f) => ({ name: f.name, datatype: announcedDatatype(f), shape: [-1] }))
}

export function outputMetadata (): MetadataTensor[] {
  return [{ name: 'probability', datatype: 'FP32', shape: [-1] }, { name: 'willBuy', datatype: 'BOOL', shape: [-1] }]
}

function shown (value: unknown): string {
  return (JSON.stringify(value) ?? String(value)).slice(0, 40)
}

function unknownInputMessage (name: string): string {
  const api = apiNameOfKaggleColumn(name)
  if (api !== undefined && api !== name) return `is not an input of this model: that is the Kaggle column name, send it as ${api}`
  return `is not an input of this model (inputs: ${INPUT_NAMES})`
}

function datatypeProblem (field: FieldSpec, datatype: string): string | null {
  if (field.type === 'boolean') return datatype === 'BOOL' ? null : `datatype ${shown(datatype)} is not accepted: send BOOL`
  return NUMBER_DATATYPES.includes(datatype) ? null : `datatype ${shown(datatype)} is not accepted: send ${NUMBER_DATATYPES.join(', ')}`
}

/** The row count the shape declares, or a message saying why the shape is not one value per customer. */
function rowsOf (shape: readonly number[]): number | string {
  const rows = shape[0]
  if (shape.length === 0 || shape.length > 2 || (shape.length === 2 && shape[1] !== 1) || rows === undefined) {
    return `shape ${shown(shape)} is not accepted: send [N] or [N, 1], one value per customer`
  }
  return rows === 0 ? 'shape [0] has no rows: send at least one customer' : rows
}

/**
 * The tensor's values, one per row: `data` flat (row-major, as the protocol allows for any shape) or,
 * for shape [N, 1], nested as [[v], [v], ...]. A message when it holds another number of values.
 */
function rowValues (data: readonly unknown[], shape: readonly number[], rows: number): readonly unknown[] | string {
  if (data.length === rows) {
    if (!data.some(Array.isArray)) return data
    if (shape.length === 2 && data.every((row) => Array.isArray(row) && row.length === 1)) return data.map((row) => (row as unknown[])[0])
  }
  return `data does not match shape ${shown(shape)}: send ${rows} value${rows === 1 ? '' : 's'}, flat${shape.length === 2 ? ' or as [[v], [v], ...]' : ''} (got ${data.length} top-level items)`
}

/** What is wrong with one value of a field sent with `datatype`, or null. */
function valueProblem (field: FieldSpec, datatype: string, value: unknown): string | null {
  if (field.type === 'boolean') return typeof value === 'boolean' ? null : `must be true or false (datatype BOOL), got ${shown(value)}`
  if (typeof value !== 'number') return `must be a number (datatype ${datatype}), got ${shown(value)}`
  if (INTEGER_DATATYPES.has(datatype) && !Number.isInteger(value)) return `must be an integer: the datatype is ${datatype}, got ${value}`
  return fieldValueProblem(field, value)
}

/** The customers the tensors describe, or every problem found (up to MAX_LISTED_PROBLEMS). */
export type InputsRead =
  { readonly customers: Customer[], readonly problems: null } |
  { readonly customers: null, readonly problems: ErrorDetail[] }

interface Column { readonly field: FieldSpec, readonly datatype: string, readonly values: readonly unknown[] }

/** Tensor names, datatypes, shapes and data lengths: the problems that make the rows unreadable. */
function readColumns (inputs: readonly RequestInput[], problems: ErrorDetail[]): Column[] {
  const columns: Column[] = []
  const seen = new Set<string>()
  let rowCount: { readonly rows: number, readonly from: string } | null = null
  for (const input of inputs) {
    const path = `input ${input.name}`
    const field = FIELDS.get(input.name)
    if (field === undefined) {
      problems.push({ path, message: unknownInputMessage(input.name) })
      continue
    }
    if (seen.has(field.name)) {
      problems.push({ path, message: 'is sent twice: send one tensor per customer field' })
      continue
    }
    seen.add(field.name)
    const rows = rowsOf(input.shape)
    const problem = datatypeProblem(field, input.datatype) ?? (typeof rows === 'string' ? rows : null)
    if (problem !== null) {
      problems.push({ path, message: problem })
      continue
    }
    const values = rowValues(input.data, input.shape, rows as number)
    if (typeof values === 'string') {
      problems.push({ path, message: values })
      continue
    }
    if (rowCount === null) rowCount = { rows: values.length, from: field.name }
    else if (rowCount.rows !== values.length) {
      problems.push({ path, message: `has ${counted(values.length, 'row')} but input ${rowCount.from} has ${rowCount.rows}: every input holds one value per customer` })
      continue
    }
    columns.push({ field, datatype: input.datatype, values })
  }
  for (const field of CUSTOMER_FIELDS as readonly FieldSpec[]) {
    if (field.optional !== true && !seen.has(field.name)) {
      problems.push({ path: `input ${field.name}`, message: 'is missing: send one tensor per customer field (only reviewScore may be left out, to impute it for every row)' })
    }
  }
  return columns
}

/**
 * Reads the request's input tensors as customers. Rows are counted from 0, as a tensor's elements are.
 * A left-out reviewScore is imputed for every row, as a missing one is in a JSON customer.
 */
export function customersFromInputs (inputs: readonly RequestInput[]): InputsRead {
  const problems: ErrorDetail[] = []
  const columns = readColumns(inputs, problems)
  if (problems.length > 0) return { customers: null, problems }
  const rows = columns[0]?.values.length ?? 0
  // Fields in the same order for every customer: one object shape for the whole batch.
  const records: Array<Record<string, unknown>> = Array.from({ length: rows }, () => ({}))
  for (const { field, datatype, values } of columns) {
    for (let row = 0; row < rows; row++) {
      const value = values[row]
      const problem = valueProblem(field, datatype, value)
      if (problem !== null) {
        problems.push({ path: `input ${field.name}, row ${row}`, message: problem })
        if (problems.length >= MAX_LISTED_PROBLEMS) return { customers: null, problems }
      }
      (records[row] as Record<string, unknown>)[field.name] = value
    }
  }
  if (problems.length > 0) return { customers: null, problems }
  const customers = records as Customer[]
  for (let row = 0; row < rows; row++) {
    for (const p of consistencyProblems(customers[row] as Customer)) {
      problems.push({ path: `input ${p.field}, row ${row}`, message: p.message })
      if (problems.length >= MAX_LISTED_PROBLEMS) return { customers: null, problems }
    }
  }
  return problems.length > 0 ? { customers: null, problems } : { customers, problems: null }
}

/** The answer's tensors, in the order asked for: probabilities as reported by the scoring use case. */
export function outputTensors (probabilities: ArrayLike<number>, predictions: readonly ScoredCustomer[], names: readonly OutputName[]): ResponseOutput[] {
  const shape = [predictions.length]
  return names.map((name): ResponseOutput => name === 'probability'
    ? { name, datatype: 'FP32', shape, data: Array.from(probabilities) }
    : { name, datatype: 'BOOL', shape, data: predictions.map((p) => p.willBuy) })
}

/**
 * The input warnings of the customers that have any, as the text of a JSON array of
 * {row, field, code, message} (row from 0, as in error messages), or undefined when none has. A
 * parameter, not an output: the protocol's parameters hold strings, numbers and booleans only, and
 * an output tensor would be sent by default to every client that names none.
 */
export function warningsParameter (predictions: readonly ScoredCustomer[]): string | undefined {
  const rows = predictions.flatMap((p, row) => (p.warnings ?? []).map((w) => ({ row, field: w.field, code: w.code, message: w.message })))
  return rows.length === 0 ? undefined : JSON.stringify(rows)
}
