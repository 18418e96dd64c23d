// Request validation: strict Ajv for bodies (no coercion, no dropping unknown fields, every error
// listed), coercing Ajv for query strings (which are text by nature), and one formatter that turns
// Ajv errors into "customers/7/completion must be <= 1".
import { Ajv, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv'
import type { FastifySchemaCompiler } from 'fastify'
import { CUSTOMER_FIELDS, TOTALS_KEYWORD, customerJsonSchema, fieldValueProblem, type CustomerInputs, type FieldSpec } from '../domain/customer.js'
import { apiNameOfKaggleColumn, consistencyProblems } from '../domain/customer-consistency.js'
import type { ErrorDetail } from './errors.js'

/** Longest unknown field name repeated in an error answer. */
const MAX_KEY_CHARS = 100

/** What is wrong with a customerId that fails its anyOf (a string or a safe integer). */
const CUSTOMER_ID_PROBLEM = 'must be a string of 1 to 200 characters or an integer within +/-9007199254740991 (send larger ids as strings)'

/** The most problems listed in one error answer. */
export const MAX_LISTED_PROBLEMS = 100

function createAjv (coerceTypes: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes,
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
    // Schemas carry OpenAPI-only keywords such as `examples`.
    keywords: ['example']
  })
  ajv.addKeyword({ keyword: TOTALS_KEYWORD, type: 'object', schemaType: 'boolean', errors: true, validate: totalsAtLeastAverages })
  ajv.addSchema(customerJsonSchema())
  return ajv
}

/** The fields the cross-field rule reads. */
const TOTALS_FIELDS = (CUSTOMER_FIELDS as readonly FieldSpec[]).filter((f) => ['bookLengthAvgMinutes', 'bookLengthTotalMinutes', 'priceAvg', 'priceTotal'].includes(f.name))

/**
 * The Customer schema's cross-field rule, so every route validating a customer checks it with the
 * rest of the schema (and partial mode places it by item like any other problem). Checked only when
 * the four fields pass their own bounds, as before: a total of -5 is told about its own bound only.
 */
const totalsAtLeastAverages: SchemaValidateFunction = (_schema: unknown, data: Record<string, unknown>, _parentSchema, context) => {
  const valid = TOTALS_FIELDS.every((f) => typeof data[f.name] === 'number' && fieldValueProblem(f, data[f.name] as number) === null)
  const problems = valid ? consistencyProblems(data as unknown as CustomerInputs) : []
  totalsAtLeastAverages.errors = problems.map((p) => ({
    keyword: TOTALS_KEYWORD,
    instancePath: `${context?.instancePath ?? ''}/${p.field}`,
    schemaPath: `#/${TOTALS_KEYWORD}`,
    params: { otherField: p.otherField },
    message: p.message
  }))
  return problems.length === 0
}

/** A number as a query string may write it: decimal digits, an optional sign, point and exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i
/** What a query value that is not a decimal number is handed to Ajv as: text no coercion turns into a number. */
const NOT_A_NUMBER = 'not a number'

function numberProperties (schema: object): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {}
  return Object.entries(properties).filter(([, p]) => p.type === 'number' || p.type === 'integer').map(([name]) => name)
}

/**
 * A coercing validator that coerces only decimal text to numbers. Ajv's coercion reads " " as 0 and
 * "0x10" as 16, so ?threshold=%20 decided with threshold 0 (everyone willBuy) and ?budget=0x10 targeted
 * 16; such values are now refused like any other text.
 */
function decimalNumbersOnly (schema: object, validate: ValidateFunction): ValidateFunction {
  const names = numberProperties(schema)
  if (names.length === 0) return validate
  const checked = ((data: unknown) => {
    if (data !== null && typeof data === 'object') {
      const values = data as Record<string, unknown>
      for (const name of names) {
        const value = values[name]
        if (typeof value === 'string' && !DECIMAL.test(value)) values[name] = NOT_A_NUMBER
      }
    }
    const valid = validate(data)
    checked.errors = validate.errors
    return valid
  }) as ValidateFunction
  return checked
}

/** Fastify validator compiler: strict for bodies, coercing (decimal numbers only) for querystring / params / headers. */
export function createValidatorCompiler (): FastifySchemaCompiler<unknown> {
  const strict = createAjv(false)
  const coercing = createAjv(true)
  return ({ schema, httpPart }) => httpPart === 'body'
    ? strict.compile(schema as object) as ValidateFunction
    : decimalNumbersOnly(schema as object, coercing.compile(schema as object))
}

/** A standalone coercing validator for a query schema (used where Fastify skipped the query). */
export function compileQueryValidator (schema: object): ValidateFunction {
  return decimalNumbersOnly(schema, createAjv(true).compile(schema))
}

function joinPath (base: string, key: string): string {
  if (key === '') return base
  return base === '' ? key : `${base}/${key}`
}

/** Ajv errors -> field paths and messages, deduplicated, most specific first. */
export function describeAjvErrors (errors: readonly ErrorObject[], part: string): ErrorDetail[] {
  const prefix = part === 'body' ? '' : part
  const details: ErrorDetail[] = []
  const seen = new Set<string>()
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath))
  // Kaggle column names sent as fields: each is answered with its API name, and the "is required" of
  // that API name is left out (it says the same thing less helpfully).
  const hinted = new Set(errors.flatMap((e) => {
    if (e.keyword !== 'additionalProperties') return []
    const api = apiNameOfKaggleColumn(String((e.params as { additionalProperty: string }).additionalProperty))
    return api === undefined ? [] : [`${e.instancePath}/${api}`]
  }))
  for (const e of errors) {
    let path = joinPath(prefix, e.instancePath.replace(/^\//, ''))
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty)
      // An empty key still needs a visible name; a huge one is shortened so the answer stays small.
      path = joinPath(path, key === '' ? '""' : key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS)}...` : key)
      const api = apiNameOfKaggleColumn(key)
      message = api === undefined ? 'is not an accepted field' : `is not an accepted field: that is the Kaggle column name, send it as ${api}`
    } else if (e.keyword === 'required') {
      const missing = String((e.params as { missingProperty: string }).missingProperty)
      if (hinted.has(`${e.instancePath}/${missing}`)) continue
      path = joinPath(path, missing)
      message = 'is required'
    } else if (anyOfPaths.has(e.instancePath) && e.keyword !== 'anyOf') {
      continue // the anyOf error below says it once
    } else if (e.keyword === 'anyOf') {
      message = e.instancePath.endsWith('/customerId')
        ? CUSTOMER_ID_PROBLEM
        : 'does not match any of the accepted forms'
    } else if (e.keyword === 'enum') {
      // Ajv's "must be equal to one of the allowed values" does not say which they are.
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? []
      message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
    }
    if (path === '') path = part
    const key = `${path}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    details.push({ path, message })
  }
  return details
}

/** One line for a list of problems: the first, and how many more. */
export function summarizeProblems (details: readonly ErrorDetail[]): string {
  const first = details[0]
  if (first === undefined) return 'request is invalid'
  const more = details.length - 1
  return `${first.path} ${first.message}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''}: see details)` : ''}`
}
