// THE customer schema: one field table from which the request JSON Schema, the TypeScript type,
// the CSV column mapping and the model's input order are all derived. Change a field here only.

export type FieldType = 'number' | 'integer' | 'boolean'

export interface FieldSpec {
  /** API name (camelCase, unit in the name). */
  readonly name: string
  /** Column in the Kaggle `audiobook_data_2.csv` header (its avg/total names are swapped: see docs/model.md). */
  readonly kaggleColumn: string
  readonly type: FieldType
  readonly unit: string
  readonly description: string
  /** Short human name for charts and reports ("Minutes listened"); the description says the rest. */
  readonly label?: string
  readonly minimum?: number
  readonly exclusiveMinimum?: number
  /** Upper bounds far beyond the data reject corrupt values (1e308, overflowed counters) instead of extrapolating. */
  readonly maximum?: number
  /** Optional fields may be omitted or null; features.ts imputes them. */
  readonly optional?: boolean
  readonly example: number | boolean
}

export const CUSTOMER_FIELDS = [
  {
    name: 'bookLengthAvgMinutes',
    label: 'Average book length',
    kaggleColumn: 'Book_length(mins)_overall',
    type: 'number',
    unit: 'minutes',
    exclusiveMinimum: 0,
    maximum: 100_000,
    description: 'Average length of the audiobooks the customer bought, in minutes.',
    example: 1620
  },
  {
    name: 'bookLengthTotalMinutes',
    label: 'Total length of books bought',
    kaggleColumn: 'Book_length(mins)_avg',
    type: 'number',
    unit: 'minutes',
    exclusiveMinimum: 0,
    maximum: 10_000_000,
    description: 'Total length of all audiobooks the customer bought, in minutes (>= the average when the data is consistent).',
    example: 3240
  },
  {
    name: 'priceAvg',
    label: 'Average price per book',
    kaggleColumn: 'Price_overall',
    type: 'number',
    unit: 'USD',
    minimum: 0,
    maximum: 10_000,
    description: 'Average price paid per audiobook, in dollars.',
    example: 9.5
  },
  {
    name: 'priceTotal',
    label: 'Total spent',
    kaggleColumn: 'Price_avg',
    type: 'number',
    unit: 'USD',
    minimum: 0,
    maximum: 1_000_000,
    description: 'Total amount paid for all audiobooks, in dollars.',
    example: 19
  },
  {
    name: 'reviewed',
    label: 'Left a review',
    kaggleColumn: 'Review',
    type: 'boolean',
    unit: 'flag',
    description: 'Whether the customer left a review.',
    example: true
  },
  {
    name: 'reviewScore',
    label: 'Review score',
    kaggleColumn: 'Review10/10',
    type: 'number',
    unit: 'score 1-10',
    minimum: 1,
    maximum: 10,
    optional: true,
    description: 'Review score out of 10. Omit or send null when unknown (non-reviewers): the value the training data gives non-reviewers (the mean score, 8.91) is imputed.',
    example: 9
  },
  {
    name: 'completion',
    label: 'Share of bought minutes listened',
    kaggleColumn: 'Completion',
    type: 'number',
    unit: 'fraction 0-1',
    minimum: 0,
    maximum: 1,
    description: 'Share of the purchased audiobook minutes that the customer has listened to (0 to 1).',
    example: 0.45
  },
  {
    name: 'minutesListened',
    label: 'Minutes listened',
    kaggleColumn: 'Minutes_listened',
    type: 'number',
    unit: 'minutes',
    minimum: 0,
    maximum: 10_000_000,
    description: 'Total minutes listened.',
    example: 1458
  },
  {
    name: 'supportRequests',
    label: 'Support requests',
    kaggleColumn: 'Support_Request',
    type: 'integer',
    unit: 'count',
    minimum: 0,
    maximum: 100_000,
    description: 'Number of support requests the customer made.',
    example: 1
  },
  {
    name: 'lastVisitDaysAfterPurchase',
    label: 'Days from first purchase to last visit',
    kaggleColumn: 'Last_Visited_mins_Purchase_date',
    type: 'number',
    unit: 'days',
    minimum: 0,
    maximum: 36_500,
    description: 'Days between the first purchase and the last visit to the app (0: never came back).',
    example: 45
  }
] as const satisfies readonly FieldSpec[]

export type CustomerField = (typeof CUSTOMER_FIELDS)[number]
export type CustomerFieldName = CustomerField['name']

type ValueOf<F extends FieldSpec> = F['type'] extends 'boolean' ? boolean : number
type IsOptional<F> = F extends { optional: true } ? true : false

/** The inputs the model scores: derived from CUSTOMER_FIELDS. */
export type CustomerInputs =
  { [F in CustomerField as IsOptional<F> extends true ? never : F['name']]: ValueOf<F> } &
  { [F in CustomerField as IsOptional<F> extends true ? F['name'] : never]?: ValueOf<F> | null }

/** A customer as the API receives it: the inputs plus an optional identifier that is echoed, never a feature. */
export type Customer = CustomerInputs & { customerId?: string | number }

/** Identifier column names: the Kaggle file's and the API's. */
export const ID_COLUMNS = ['ID', 'customerId'] as const
/** Label column names: the Kaggle file's, the course file's and the API-style one. */
export const TARGET_COLUMNS = ['Target', 'Targets', 'target'] as const

export const CUSTOMER_ID_SCHEMA = {
  description: 'Caller\'s identifier, echoed in the answer and never used as a feature.',
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 200 },
    // Safe integers only: larger ones (and 1e400 = Infinity) cannot be echoed back exactly.
    { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }
  ],
  examples: ['c-1042']
} as const

/** JSON Schema for one customer, strict: no extra properties, no coercion (the app turns coercion off). */
export function customerJsonSchema (): Record<string, unknown> {
  const properties: Record<string, unknown> = { customerId: CUSTOMER_ID_SCHEMA }
  const required: string[] = []
  for (const field of CUSTOMER_FIELDS as readonly FieldSpec[]) {
    const schema: Record<string, unknown> = {
      type: field.optional === true ? [field.type, 'null'] : field.type,
      description: `${field.description} Unit: ${field.unit}.`,
      examples: [field.example]
    }
    if (field.minimum !== undefined) schema.minimum = field.minimum
    if (field.exclusiveMinimum !== undefined) schema.exclusiveMinimum = field.exclusiveMinimum
    if (field.maximum !== undefined) schema.maximum = field.maximum
    properties[field.name] = schema
    if (field.optional !== true) required.push(field.name)
  }
  return {
    $id: 'Customer',
    type: 'object',
    description: 'One customer\'s activity over two years. Every field but customerId and reviewScore is required; unknown fields are rejected. A total below its average (bookLengthTotalMinutes < bookLengthAvgMinutes, priceTotal < priceAvg) is refused: those are the Kaggle file\'s swapped columns.',
    additionalProperties: false,
    required,
    properties,
    // Checked by the validator (http/validation.ts) with domain/customer-consistency.ts.
    [TOTALS_KEYWORD]: true
  }
}

/** Schema keyword (an OpenAPI extension) for the cross-field rule: each total at least its average. */
export const TOTALS_KEYWORD = 'x-total-at-least-average'

/** An example customer built from the field table (for docs and smoke tests). */
export function exampleCustomer (): Customer {
  const customer: Record<string, unknown> = { customerId: 'c-1042' }
  for (const field of CUSTOMER_FIELDS) customer[field.name] = field.example
  return customer as Customer
}

/**
 * Checks one already-typed value against its field's bounds, as the JSON Schema does.
 * Returns a message ("must be <= 1") or null. Used where Ajv is not (CSV input).
 */
export function fieldValueProblem (field: FieldSpec, value: number | boolean | null): string | null {
  if (value === null) return field.optional === true ? null : 'is required'
  if (field.type === 'boolean') return typeof value === 'boolean' ? null : 'must be boolean'
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number'
  if (field.type === 'integer' && !Number.isInteger(value)) return 'must be integer'
  if (field.minimum !== undefined && value < field.minimum) return `must be >= ${field.minimum}`
  if (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum) return `must be > ${field.exclusiveMinimum}`
  if (field.maximum !== undefined && value > field.maximum) return `must be <= ${field.maximum}`
  return null
}
