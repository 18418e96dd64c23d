// The customer field table and what is derived from it: JSON Schema, Kaggle column mapping, value checks.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CUSTOMER_FIELDS, customerJsonSchema, exampleCustomer, fieldValueProblem,
  type CustomerFieldName, type FieldSpec
} from '../src/domain/customer.js'

function fieldNamed (name: CustomerFieldName): FieldSpec {
  const field = (CUSTOMER_FIELDS as readonly FieldSpec[]).find((f) => f.name === name)
  if (field === undefined) throw new Error(`no field ${name}`)
  return field
}

interface PropertySchema {
  type: string | string[]
  description: string
  minimum?: number
  exclusiveMinimum?: number
  maximum?: number
}

function propertyOf (name: string): PropertySchema {
  const properties = customerJsonSchema().properties as Record<string, PropertySchema>
  const schema = properties[name]
  if (schema === undefined) throw new Error(`schema has no property ${name}`)
  return schema
}

test('CUSTOMER_FIELDS - Kaggle columns - swapped avg/total names map to the API names', () => {
  // The Kaggle file calls the average "_overall" and the total "_avg" (see README): hand-written here.
  const expected: Record<string, string> = {
    'Book_length(mins)_overall': 'bookLengthAvgMinutes',
    'Book_length(mins)_avg': 'bookLengthTotalMinutes',
    Price_overall: 'priceAvg',
    Price_avg: 'priceTotal',
    Review: 'reviewed',
    'Review10/10': 'reviewScore',
    Completion: 'completion',
    Minutes_listened: 'minutesListened',
    Support_Request: 'supportRequests',
    Last_Visited_mins_Purchase_date: 'lastVisitDaysAfterPurchase'
  }
  const actual = Object.fromEntries(CUSTOMER_FIELDS.map((f) => [f.kaggleColumn, f.name]))
  assert.deepEqual(actual, expected)
})

test('CUSTOMER_FIELDS - names and Kaggle columns - each used once, in the Kaggle file order', () => {
  const names = CUSTOMER_FIELDS.map((f) => f.name)
  assert.equal(new Set(names).size, 10)
  assert.equal(new Set(CUSTOMER_FIELDS.map((f) => f.kaggleColumn)).size, 10)
  assert.deepEqual(CUSTOMER_FIELDS.map((f) => f.kaggleColumn), [
    'Book_length(mins)_overall', 'Book_length(mins)_avg', 'Price_overall', 'Price_avg', 'Review', 'Review10/10',
    'Completion', 'Minutes_listened', 'Support_Request', 'Last_Visited_mins_Purchase_date'
  ])
})

test('customerJsonSchema - shape - strict object, customerId first then every field in table order', () => {
  const schema = customerJsonSchema()
  assert.equal(schema.type, 'object')
  assert.equal(schema.additionalProperties, false)
  assert.deepEqual(Object.keys(schema.properties as object), ['customerId', ...CUSTOMER_FIELDS.map((f) => f.name)])
})

test('customerJsonSchema - required - every field except reviewScore and customerId', () => {
  assert.deepEqual(customerJsonSchema().required, [
    'bookLengthAvgMinutes', 'bookLengthTotalMinutes', 'priceAvg', 'priceTotal', 'reviewed',
    'completion', 'minutesListened', 'supportRequests', 'lastVisitDaysAfterPurchase'
  ])
})

test('customerJsonSchema - types - booleans, integers and a nullable review score', () => {
  assert.equal(propertyOf('reviewed').type, 'boolean')
  assert.equal(propertyOf('supportRequests').type, 'integer')
  assert.equal(propertyOf('completion').type, 'number')
  assert.deepEqual(propertyOf('reviewScore').type, ['number', 'null'])
})

test('customerJsonSchema - bounds - copied from the field table', () => {
  const completion = propertyOf('completion')
  assert.equal(completion.minimum, 0)
  assert.equal(completion.maximum, 1)
  const length = propertyOf('bookLengthAvgMinutes')
  assert.equal(length.exclusiveMinimum, 0)
  assert.equal(length.minimum, undefined)
  const score = propertyOf('reviewScore')
  assert.equal(score.minimum, 1)
  assert.equal(score.maximum, 10)
  assert.equal(propertyOf('priceTotal').minimum, 0)
  for (const field of CUSTOMER_FIELDS as readonly FieldSpec[]) {
    const property = propertyOf(field.name)
    assert.equal(property.minimum, field.minimum, `${field.name} minimum`)
    assert.equal(property.exclusiveMinimum, field.exclusiveMinimum, `${field.name} exclusiveMinimum`)
    assert.equal(property.maximum, field.maximum, `${field.name} maximum`)
  }
})

test('customerJsonSchema - descriptions - end with the unit', () => {
  assert.match(propertyOf('bookLengthAvgMinutes').description, /Unit: minutes\.$/)
  assert.match(propertyOf('priceAvg').description, /Unit: USD\.$/)
})

test('fieldValueProblem - values inside bounds - null', () => {
  assert.equal(fieldValueProblem(fieldNamed('completion'), 0), null)
  assert.equal(fieldValueProblem(fieldNamed('completion'), 1), null)
  assert.equal(fieldValueProblem(fieldNamed('bookLengthAvgMinutes'), 0.001), null)
  assert.equal(fieldValueProblem(fieldNamed('priceAvg'), 0), null)
  assert.equal(fieldValueProblem(fieldNamed('supportRequests'), 3), null)
  assert.equal(fieldValueProblem(fieldNamed('reviewed'), false), null)
  assert.equal(fieldValueProblem(fieldNamed('reviewScore'), 10), null)
})

test('fieldValueProblem - completion 1.5 - must be <= 1', () => {
  assert.equal(fieldValueProblem(fieldNamed('completion'), 1.5), 'must be <= 1')
})

test('fieldValueProblem - lower bounds - inclusive and exclusive minimum messages', () => {
  assert.equal(fieldValueProblem(fieldNamed('bookLengthAvgMinutes'), 0), 'must be > 0')
  assert.equal(fieldValueProblem(fieldNamed('priceAvg'), -0.01), 'must be >= 0')
  assert.equal(fieldValueProblem(fieldNamed('reviewScore'), 0), 'must be >= 1')
  assert.equal(fieldValueProblem(fieldNamed('reviewScore'), 10.5), 'must be <= 10')
})

test('fieldValueProblem - wrong kinds - integer, finite and boolean messages', () => {
  assert.equal(fieldValueProblem(fieldNamed('supportRequests'), 2.5), 'must be integer')
  assert.equal(fieldValueProblem(fieldNamed('minutesListened'), Number.NaN), 'must be a finite number')
  assert.equal(fieldValueProblem(fieldNamed('minutesListened'), Number.POSITIVE_INFINITY), 'must be a finite number')
  assert.equal(fieldValueProblem(fieldNamed('minutesListened'), true), 'must be a finite number')
  assert.equal(fieldValueProblem(fieldNamed('reviewed'), 1), 'must be boolean')
})

test('fieldValueProblem - null - allowed for the optional review score only', () => {
  assert.equal(fieldValueProblem(fieldNamed('reviewScore'), null), null)
  assert.equal(fieldValueProblem(fieldNamed('completion'), null), 'is required')
})

test('exampleCustomer - every field - present and valid', () => {
  const customer = exampleCustomer() as Record<string, unknown>
  for (const field of CUSTOMER_FIELDS as readonly FieldSpec[]) {
    const value = customer[field.name] as number | boolean
    assert.notEqual(value, undefined, field.name)
    assert.equal(fieldValueProblem(field, value), null, field.name)
  }
})
