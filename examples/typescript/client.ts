// A typed client for the buy-again API, one function per operation: copy this file and api-types.ts
// (generated from openapi.yaml by `npm run client:types`) into your project, with openapi-fetch installed.
import createClient from 'openapi-fetch'
import type { components, paths } from './api-types.js'

export type BuyAgainClient = ReturnType<typeof createClient<paths>>
export type Customer = components['schemas']['Customer']
type InferInput = paths['/v2/models/{model_name}/infer']['post']['requestBody']['content']['application/json']['inputs'][number]

/** A client for the server at baseUrl; apiKey only when the server runs with API_KEYS set. */
export function createBuyAgainClient (baseUrl: string, apiKey?: string): BuyAgainClient {
  return createClient<paths>({ baseUrl, headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` } })
}

/** The answer's body, or an Error naming the status and the server's error body. */
function dataOf<T> (result: { data?: T, error?: unknown, response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${result.response.status} from ${result.response.url}: ${JSON.stringify(result.error)}`)
  }
  return result.data
}

/** POST /predict: one customer's probability and decision. */
export async function predictOne (client: BuyAgainClient, customer: Customer, threshold?: number) {
  return dataOf(await client.POST('/predict', { body: customer, params: { query: { threshold } } }))
}

/** POST /predict/batch with JSON: one prediction per customer, in the order sent. */
export async function predictBatch (client: BuyAgainClient, customers: Customer[], explain = false) {
  return dataOf(await client.POST('/predict/batch', { body: { customers }, params: { query: { explain } } }))
}

/**
 * POST /predict/batch with a CSV text (a header row of the API field names or the Kaggle column names).
 * openapi-fetch sends every body as JSON by default: the serializer passes the CSV text through as is.
 */
export async function predictBatchCsv (client: BuyAgainClient, csv: string) {
  return dataOf(await client.POST('/predict/batch', {
    body: csv,
    headers: { 'content-type': 'text/csv' },
    bodySerializer: (body) => (typeof body === 'string' ? body : JSON.stringify(body))
  }))
}

/** GET /model: the model card (version, features, metrics, threshold, base rate). */
export async function getModelCard (client: BuyAgainClient) {
  return dataOf(await client.GET('/model'))
}

/** GET /model/report: the model report, an HTML page. */
export async function getModelReport (client: BuyAgainClient): Promise<string> {
  return dataOf(await client.GET('/model/report', { parseAs: 'text' }))
}

/** GET /models: the model versions of the models root. */
export async function listModelVersions (client: BuyAgainClient) {
  return dataOf(await client.GET('/models'))
}

/** GET /model/drift: input drift of the last scored customers against training. */
export async function getModelDrift (client: BuyAgainClient) {
  return dataOf(await client.GET('/model/drift'))
}

/** GET /metrics: Prometheus metrics, as text. */
export async function getMetrics (client: BuyAgainClient): Promise<string> {
  return dataOf(await client.GET('/metrics', { parseAs: 'text' }))
}

/** GET /health/live: answers while the process is up. */
export async function live (client: BuyAgainClient) {
  return dataOf(await client.GET('/health/live'))
}

/** GET /health/ready: answers 200 once the model is loaded (throws on 503 while starting or stopping). */
export async function ready (client: BuyAgainClient) {
  return dataOf(await client.GET('/health/ready'))
}

/** Customer fields sent as Open Inference Protocol tensors, with their datatypes. */
const TENSORS = [
  ['bookLengthAvgMinutes', 'FP64'],
  ['bookLengthTotalMinutes', 'FP64'],
  ['priceAvg', 'FP64'],
  ['priceTotal', 'FP64'],
  ['reviewed', 'BOOL'],
  ['completion', 'FP64'],
  ['minutesListened', 'FP64'],
  ['supportRequests', 'INT64'],
  ['lastVisitDaysAfterPurchase', 'FP64']
] as const

/**
 * POST /v2/models/buy-again/infer (Open Inference Protocol) for customers who all have a reviewScore, or
 * all have none: one input tensor per customer field, shape [N]; reviewScore left out when none has one
 * (the server then uses the score the model uses for non-reviewers).
 */
async function inferGroup (client: BuyAgainClient, customers: Customer[], withScore: boolean) {
  const inputs = TENSORS.map(([name, datatype]): InferInput => ({ name, datatype, shape: [customers.length], data: customers.map((c) => c[name]) }))
  if (withScore) inputs.push({ name: 'reviewScore', datatype: 'FP64', shape: [customers.length], data: customers.map((c) => c.reviewScore) })
  return dataOf(await client.POST('/v2/models/{model_name}/infer', {
    params: { path: { model_name: 'buy-again' } },
    body: { inputs }
  }))
}

/**
 * POST /v2/models/buy-again/infer for any customers. A tensor has no per-row null, so customers with a
 * reviewScore and customers without one go in two requests (never a made-up score for the latter), and
 * the outputs are put back in the order of `customers`.
 */
export async function inferV2 (client: BuyAgainClient, customers: Customer[]) {
  const scored = customers.map((c) => typeof c.reviewScore === 'number')
  const groups = [true, false]
    .map((withScore) => ({ withScore, rows: customers.flatMap((_, i) => scored[i] === withScore ? [i] : []) }))
    .filter((group) => group.rows.length > 0)
  const answers = await Promise.all(groups.map(async ({ withScore, rows }) =>
    ({ rows, answer: await inferGroup(client, rows.map((i) => customers[i] as Customer), withScore) })))
  const first = answers[0]
  if (first === undefined) throw new Error('inferV2 needs at least one customer')
  const outputs = first.answer.outputs.map((output) => {
    const data: Array<number | boolean> = new Array(customers.length)
    for (const { rows, answer } of answers) {
      const part = answer.outputs.find((o) => o.name === output.name)?.data ?? []
      rows.forEach((row, k) => { data[row] = part[k] as number | boolean })
    }
    return { ...output, shape: [customers.length], data }
  })
  return { ...first.answer, outputs }
}
