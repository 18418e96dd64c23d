// How the OpenAPI document shows POST /predict/batch's two bodies: JSON as validated, and text/csv as
// the CSV text it is on the wire (@fastify/swagger would otherwise show the JSON schema for every
// media type the route consumes). Only the document changes: the CSV parser still turns the text
// into the {customers} object that the JSON schema validates.
import type { SwaggerTransform } from '@fastify/swagger'
import type { Config } from '../../config.js'
import { CUSTOMER_FIELDS, exampleCustomer, type Customer } from '../../domain/customer.js'
import { batchBodySchema } from './predict-schemas.js'

/** A second example customer: a one-book buyer who left no review (empty reviewScore cell) and never came back. */
const NON_REVIEWER: Customer = {
  customerId: 'c-1043',
  bookLengthAvgMinutes: 2160,
  bookLengthTotalMinutes: 2160,
  priceAvg: 7.99,
  priceTotal: 7.99,
  reviewed: false,
  reviewScore: null,
  completion: 0,
  minutesListened: 0,
  supportRequests: 0,
  lastVisitDaysAfterPurchase: 0
}

/** A CSV batch of two customers under a header row of the API field names, derived from the field table. */
export function csvBatchExample (): string {
  const columns = ['customerId', ...CUSTOMER_FIELDS.map((f) => f.name)]
  const row = (customer: Customer): string => columns
    .map((column) => (customer as Record<string, unknown>)[column])
    .map((value) => (value === null || value === undefined ? '' : String(value)))
    .join(',')
  return [columns.join(','), row(exampleCustomer()), row(NON_REVIEWER)].join('\n') + '\n'
}

export function csvBatchBodySchema (config: Config): object {
  return {
    type: 'string',
    description: [
      'UTF-8 CSV, comma-separated: a header row of the Customer field names (customerId optional) or of the Kaggle column',
      `names (a Target column is ignored), then one row per customer, at most ${config.maxBatch} (MAX_BATCH).`,
      'Booleans as true/false or 1/0; an empty reviewScore cell means unknown.'
    ].join(' '),
    examples: [csvBatchExample()]
  }
}

/** The route's swaggerTransform: its body documented per media type. */
export function documentBatchBodies (config: Config): SwaggerTransform {
  return ({ schema, url }) => ({
    url,
    schema: {
      ...schema,
      body: {
        content: {
          'application/json': { schema: batchBodySchema(config) },
          'text/csv': { schema: csvBatchBodySchema(config) }
        }
      }
    }
  })
}
