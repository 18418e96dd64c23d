// Helpers for app.inject tests: requests, error-body checks, seeded sample customers, CSV writers, log capture.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Customer } from '../../src/domain/customer.js'
import { generateCustomers } from './synthetic.js'

export type Response = LightMyRequestResponse

/**
 * Varied valid customers (synthetic.ts, more two-book buyers): some bought two books (average != total
 * length and price), some reviewed, some listened. Ids alternate between strings and integers. Made up, never real rows.
 */
export function sampleCustomers (count: number, seed = 7): Customer[] {
  return generateCustomers(count, seed, { twoBookShare: 0.4, ids: 'mixed' }).customers
}

export async function postJson (app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return await app.inject({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers })
}

/** Sends text as-is with a JSON content type (for malformed or hand-written JSON). */
export async function postRawJson (app: FastifyInstance, url: string, text: string, headers: Record<string, string> = {}): Promise<Response> {
  return await app.inject({ method: 'POST', url, payload: text, headers: { 'content-type': 'application/json', ...headers } })
}

export async function postCsv (app: FastifyInstance, url: string, text: string, contentType = 'text/csv'): Promise<Response> {
  return await app.inject({ method: 'POST', url, payload: text, headers: { 'content-type': contentType } })
}

/** The API field names, in the order of the README table. */
export const API_COLUMNS = [
  'customerId', 'bookLengthAvgMinutes', 'bookLengthTotalMinutes', 'priceAvg', 'priceTotal', 'reviewed',
  'reviewScore', 'completion', 'minutesListened', 'supportRequests', 'lastVisitDaysAfterPurchase'
] as const

/**
 * Kaggle column -> API field, written out by hand (not derived from src/customer.ts) so a swapped
 * mapping in the service is caught: the Kaggle "_overall" columns are averages and "_avg" are totals.
 */
export const KAGGLE_COLUMNS: ReadonlyArray<readonly [string, (typeof API_COLUMNS)[number]]> = [
  ['ID', 'customerId'],
  ['Book_length(mins)_overall', 'bookLengthAvgMinutes'],
  ['Book_length(mins)_avg', 'bookLengthTotalMinutes'],
  ['Price_overall', 'priceAvg'],
  ['Price_avg', 'priceTotal'],
  ['Review', 'reviewed'],
  ['Review10/10', 'reviewScore'],
  ['Completion', 'completion'],
  ['Minutes_listened', 'minutesListened'],
  ['Support_Request', 'supportRequests'],
  ['Last_Visited_mins_Purchase_date', 'lastVisitDaysAfterPurchase']
]

function cell (value: unknown, booleanAs: 'word' | 'digit'): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return booleanAs === 'word' ? String(value) : value ? '1' : '0'
  return String(value)
}

/** CSV with a header of API field names. */
export function toApiCsv (customers: readonly Customer[], eol = '\n'): string {
  const rows = customers.map((c) => API_COLUMNS.map((name) => cell((c as Record<string, unknown>)[name], 'word')).join(','))
  return [API_COLUMNS.join(','), ...rows].join(eol) + eol
}

/** CSV with the Kaggle header (booleans as 0/1, as in the Kaggle file); `target` adds a Target column. */
export function toKaggleCsv (customers: readonly Customer[], eol = '\n', target = false): string {
  const header = [...KAGGLE_COLUMNS.map(([column]) => column), ...(target ? ['Target'] : [])]
  const rows = customers.map((c) => [
    ...KAGGLE_COLUMNS.map(([, name]) => cell((c as Record<string, unknown>)[name], 'digit')),
    ...(target ? ['0'] : [])
  ].join(','))
  return [header.join(','), ...rows].join(eol) + eol
}

export interface ErrorDetailJson { path: string, message: string }
export interface ErrorJson {
  statusCode: number
  error: string
  code: string
  message: string
  requestId: string
  details?: ErrorDetailJson[]
}

/** Fails when a body shows internals: stack frames, file paths or module names. */
export function assertNoInternals (body: string): void {
  assert.doesNotMatch(body, /\bat \S+ \(|\bat (file:|node:|\/)/, `body has a stack frame: ${body.slice(0, 300)}`)
  assert.doesNotMatch(body, /\/work\/|node_modules|\.ts:\d+|\.js:\d+|[A-Za-z]:\\/, `body has a file path: ${body.slice(0, 300)}`)
  assert.doesNotMatch(body, /"stack"/, `body has a stack field: ${body.slice(0, 300)}`)
}

/** Checks the JSON error shape every error answer has and returns the body. */
export function expectError (response: Response, status: number, code?: string): ErrorJson {
  assert.equal(response.statusCode, status, `expected ${status}, got ${response.statusCode}: ${response.body.slice(0, 400)}`)
  assert.match(String(response.headers['content-type']), /^application\/json/)
  assertNoInternals(response.body)
  const body = response.json<ErrorJson>()
  assert.equal(body.statusCode, status)
  assert.equal(typeof body.error, 'string')
  assert.ok(body.error.length > 0)
  assert.equal(typeof body.message, 'string')
  assert.ok(body.message.length > 0)
  assert.equal(typeof body.code, 'string')
  if (code !== undefined) assert.equal(body.code, code)
  assert.equal(typeof body.requestId, 'string')
  assert.equal(body.requestId, response.headers['x-request-id'], 'requestId in the body equals the x-request-id header')
  return body
}

/** The detail paths of an error body (empty when it has none). */
export function detailPaths (body: ErrorJson): string[] {
  return (body.details ?? []).map((d) => d.path)
}

/** Collects pino lines written by an app built with options.logStream. */
export class LogCapture extends Writable {
  private readonly chunks: string[] = []

  override _write (chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString())
    done()
  }

  get text (): string {
    return this.chunks.join('')
  }

  lines (): Array<Record<string, unknown>> {
    return this.text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
  }

  /** Waits for a line matching `match` (the onResponse hook may run just after inject resolves). */
  async waitFor (match: (line: Record<string, unknown>) => boolean, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.lines().some(match)) {
      if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms; lines:\n${this.text}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
