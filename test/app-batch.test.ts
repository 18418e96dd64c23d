// POST /predict/batch through app.inject: JSON and CSV bodies, order, whole-batch and partial validation, limits.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Customer } from '../src/domain/customer.js'
import { buildTestApp, loadCommittedPredictor, validCustomer } from './helpers/app.js'
import {
  API_COLUMNS, detailPaths, expectError, postCsv, postJson, sampleCustomers, toApiCsv, toKaggleCsv
} from './helpers/http.js'
import { columnIndexOf, replaceCell } from './helpers/csv-edit.js'

interface PredictionJson { index?: number, customerId?: string | number, probability: number, willBuy: boolean }
interface BatchJson {
  modelVersion: string
  threshold: number
  predictions: PredictionJson[]
  errors?: Array<{ index: number, path: string, message: string }>
}

const predictor = await loadCommittedPredictor()
const app = await buildTestApp(predictor)
const limited = await buildTestApp(predictor, { MAX_BATCH: '5', BODY_LIMIT_BYTES: '2048' })
after(async () => { await Promise.all([app.close(), limited.close()]) })

const SAMPLE = sampleCustomers(24)
const TOLERANCE = 1e-6

async function batch (payload: unknown, query = ''): Promise<BatchJson> {
  const response = await postJson(app, `/predict/batch${query}`, payload)
  assert.equal(response.statusCode, 200, response.body)
  return response.json<BatchJson>()
}

async function csvBatch (text: string, query = '', contentType = 'text/csv'): Promise<BatchJson> {
  const response = await postCsv(app, `/predict/batch${query}`, text, contentType)
  assert.equal(response.statusCode, 200, response.body)
  return response.json<BatchJson>()
}

async function singleProbability (customer: Customer): Promise<number> {
  const response = await postJson(app, '/predict', customer)
  assert.equal(response.statusCode, 200, response.body)
  return response.json<{ probability: number }>().probability
}

function assertClose (actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= TOLERANCE, `${label}: ${actual} vs ${expected}`)
}

function assertSameProbabilities (actual: BatchJson, expected: BatchJson, label: string): void {
  assert.equal(actual.predictions.length, expected.predictions.length, `${label}: count`)
  actual.predictions.forEach((p, i) => assertClose(p.probability, (expected.predictions[i] as PredictionJson).probability, `${label} #${i}`))
}

function withBadItems (count: number, bad: Record<number, Record<string, unknown>>): Customer[] {
  return sampleCustomers(count).map((c, i) => (bad[i] !== undefined ? { ...c, ...bad[i] } as Customer : c))
}

// ---- JSON ----

test('POST /predict/batch - JSON customers - one prediction each, in input order, ids echoed', async () => {
  const body = await batch({ customers: SAMPLE })
  assert.equal(body.modelVersion, predictor.version)
  assert.equal(body.threshold, predictor.threshold)
  assert.equal(body.predictions.length, SAMPLE.length)
  body.predictions.forEach((p, i) => {
    assert.equal(p.customerId, SAMPLE[i]?.customerId, `#${i} id`)
    assert.ok(p.probability >= 0 && p.probability <= 1, `#${i} probability ${p.probability}`)
    assert.equal(p.willBuy, p.probability >= body.threshold)
    assert.equal('index' in p, false, 'index only in partial mode')
  })
  assert.equal('errors' in body, false, 'errors only in partial mode')
  assert.ok(new Set(body.predictions.map((p) => p.probability)).size > 1, 'the sample is scored differently')
})

test('POST /predict/batch - each customer - same probability as POST /predict for it', async () => {
  const body = await batch({ customers: SAMPLE })
  for (const [i, customer] of SAMPLE.entries()) {
    assertClose((body.predictions[i] as PredictionJson).probability, await singleProbability(customer), `#${i}`)
  }
})

test('POST /predict/batch - reversed order - predictions reversed too', async () => {
  const forward = await batch({ customers: SAMPLE })
  const backward = await batch({ customers: [...SAMPLE].reverse() })
  assert.deepEqual(backward.predictions.map((p) => p.customerId), [...SAMPLE].reverse().map((c) => c.customerId))
  backward.predictions.forEach((p, i) => {
    assertClose(p.probability, (forward.predictions[SAMPLE.length - 1 - i] as PredictionJson).probability, `#${i}`)
  })
})

test('POST /predict/batch - ?threshold=0 and ?threshold=1 - willBuy all true, then true only at probability 1', async () => {
  const zero = await batch({ customers: SAMPLE }, '?threshold=0')
  assert.equal(zero.threshold, 0)
  assert.ok(zero.predictions.every((p) => p.willBuy))
  const one = await batch({ customers: SAMPLE }, '?threshold=1')
  assert.equal(one.threshold, 1)
  assert.ok(one.predictions.every((p) => p.willBuy === (p.probability >= 1)))
  assert.ok(one.predictions.some((p) => !p.willBuy))
})

test('POST /predict/batch - invalid threshold or unknown query parameter - 400 naming it', async () => {
  for (const [query, name] of [['?threshold=2', 'threshold'], ['?threshold=abc', 'threshold'], ['?partial=maybe', 'partial'], ['?limit=3', 'limit']]) {
    const body = expectError(await postJson(app, `/predict/batch${query}`, { customers: SAMPLE.slice(0, 2) }), 400, 'VALIDATION_FAILED')
    assert.match(body.message, new RegExp(`\\b${name}\\b`), `${query}: ${body.message}`)
  }
})

test('POST /predict/batch - bad item at index 7 - 400 naming customers/7/completion', async () => {
  const body = expectError(await postJson(app, '/predict/batch', { customers: withBadItems(10, { 7: { completion: 1.5 } }) }), 400, 'VALIDATION_FAILED')
  assert.equal(body.message, 'customers/7/completion must be <= 1')
  assert.deepEqual(body.details, [{ path: 'customers/7/completion', message: 'must be <= 1' }])
})

test('POST /predict/batch - several bad items - every one listed in details with its index', async () => {
  const customers = withBadItems(12, { 2: { completion: 1.5 }, 5: { priceAvg: '9.5' }, 9: { extra: true }, 11: { reviewed: undefined } })
  const body = expectError(await postJson(app, '/predict/batch', { customers }), 400, 'VALIDATION_FAILED')
  assert.deepEqual(detailPaths(body).sort(), [
    'customers/11/reviewed', 'customers/2/completion', 'customers/5/priceAvg', 'customers/9/extra'
  ])
  assert.match(body.message, /^customers\/\d+\/\w+ .+ \(and 3 more problems: see details\)$/)
})

test('POST /predict/batch - 150 bad items - details capped at 100, message counts them all', async () => {
  const bad = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [i, { completion: 2 }]))
  const body = expectError(await postJson(app, '/predict/batch', { customers: withBadItems(150, bad) }), 400, 'VALIDATION_FAILED')
  assert.equal(body.details?.length, 100)
  assert.match(body.message, /\(and 149 more problems: see details\)$/)
})

test('POST /predict/batch - partial=true - scores the good items and lists the bad ones with their index', async () => {
  const customers = withBadItems(8, { 1: { completion: 1.5 }, 4: { unknown: 1 }, 6: { supportRequests: 0.5 } })
  const body = await batch({ customers }, '?partial=true')
  assert.deepEqual(body.errors?.map((e) => e.index), [1, 4, 6])
  assert.deepEqual(body.errors?.map((e) => e.path), ['customers/1/completion', 'customers/4/unknown', 'customers/6/supportRequests'])
  assert.ok(body.errors?.every((e) => e.message.length > 0))
  const goodIndices = [0, 2, 3, 5, 7]
  assert.deepEqual(body.predictions.map((p) => p.index), goodIndices)
  assert.deepEqual(body.predictions.map((p) => p.customerId), goodIndices.map((i) => customers[i]?.customerId))
  const goodOnly = await batch({ customers: goodIndices.map((i) => customers[i]) })
  assertSameProbabilities(body, goodOnly, 'partial vs good-only batch')
})

test('POST /predict/batch - partial=true with only valid items - every item scored with its index, errors empty', async () => {
  const body = await batch({ customers: SAMPLE.slice(0, 3) }, '?partial=true')
  assert.deepEqual(body.predictions.map((p) => p.index), [0, 1, 2])
  assert.deepEqual(body.errors, [])
})

test('POST /predict/batch - partial=true with a bad item and ?threshold=0 - threshold applied to the scored items', async () => {
  const body = await batch({ customers: withBadItems(4, { 2: { completion: 9 } }) }, '?partial=true&threshold=0')
  assert.equal(body.threshold, 0)
  assert.equal(body.predictions.length, 3)
  assert.ok(body.predictions.every((p) => p.willBuy))
})

test('POST /predict/batch - partial=true with a bad item and a bad query - 400 naming the query parameter', async () => {
  const body = expectError(await postJson(app, '/predict/batch?partial=true&threshold=5', { customers: withBadItems(3, { 0: { completion: 9 } }) }), 400)
  assert.match(body.message, /threshold/)
})

test('POST /predict/batch - partial=true with a problem in the request itself - 400', async () => {
  expectError(await postJson(app, '/predict/batch?partial=true', { customers: [] }), 400, 'VALIDATION_FAILED')
  expectError(await postJson(app, '/predict/batch?partial=true', { customers: SAMPLE.slice(0, 1), extra: 1 }), 400, 'VALIDATION_FAILED')
})

test('POST /predict/batch - empty customers array - 400 naming customers', async () => {
  const body = expectError(await postJson(app, '/predict/batch', { customers: [] }), 400, 'VALIDATION_FAILED')
  assert.match(body.message, /^customers /)
})

test('POST /predict/batch - body without customers, or customers not an array - 400 naming customers', async () => {
  const missing = expectError(await postJson(app, '/predict/batch', {}), 400, 'VALIDATION_FAILED')
  assert.equal(missing.message, 'customers is required')
  const notArray = expectError(await postJson(app, '/predict/batch', { customers: validCustomer() }), 400, 'VALIDATION_FAILED')
  assert.match(notArray.message, /^customers must be array/)
  const bare = expectError(await postJson(app, '/predict/batch', SAMPLE.slice(0, 2)), 400)
  assert.match(bare.message, /object/)
})

test('POST /predict/batch - MAX_BATCH=5 and 6 customers - 413 naming the limit; 5 customers - 200', async () => {
  const body = expectError(await postJson(limited, '/predict/batch', { customers: sampleCustomers(6) }), 413, 'BATCH_TOO_LARGE')
  assert.match(body.message, /\b6\b/)
  assert.match(body.message, /\b5\b/)
  assert.match(body.message, /MAX_BATCH/)
  assert.match(body.message, /npm run score/, 'says where larger files go')
  const ok = await postJson(limited, '/predict/batch', { customers: sampleCustomers(5) })
  assert.equal(ok.statusCode, 200, ok.body)
  assert.equal(ok.json<BatchJson>().predictions.length, 5)
})

test('POST /predict/batch - MAX_BATCH=5 and 6 CSV rows or partial mode - 413 too', async () => {
  assert.match(expectError(await postCsv(limited, '/predict/batch', toApiCsv(sampleCustomers(6))), 413, 'BATCH_TOO_LARGE').message, /npm run score/)
  expectError(await postJson(limited, '/predict/batch?partial=true', { customers: sampleCustomers(6) }), 413, 'BATCH_TOO_LARGE')
})

test('POST /predict/batch - body over BODY_LIMIT_BYTES=2048 - 413 naming the limit', async () => {
  const payload = JSON.stringify({ customers: sampleCustomers(5).map((c) => ({ ...c, customerId: 'x'.repeat(200) })) })
  assert.ok(Buffer.byteLength(payload) > 2048, 'precondition: body over the limit')
  const body = expectError(await postJson(limited, '/predict/batch', payload, { 'content-type': 'application/json' }), 413, 'BODY_TOO_LARGE')
  assert.match(body.message, /2048/)
  assert.match(body.message, /BODY_LIMIT_BYTES/)
  assert.match(body.message, /npm run score/)
  const csv = 'customerId,' + 'x'.repeat(3000)
  expectError(await postCsv(limited, '/predict/batch', csv), 413, 'BODY_TOO_LARGE')
  expectError(await postJson(limited, '/predict', { ...validCustomer(), customerId: 'y'.repeat(190), padding: 'z'.repeat(2000) }), 413, 'BODY_TOO_LARGE')
})

test('POST /predict/batch - 10,000 customers with the default config - 200 with 10,000 predictions in order', async () => {
  const base = sampleCustomers(50, 11)
  const customers = Array.from({ length: 10_000 }, (_, i) => ({ ...base[i % base.length], customerId: i }) as Customer)
  const body = await batch({ customers })
  assert.equal(body.predictions.length, 10_000)
  assert.ok(body.predictions.every((p, i) => p.customerId === i && p.probability >= 0 && p.probability <= 1))
  // Item i and item i + 50 are the same customer: same probability, wherever they sit in the batch.
  for (const i of [0, 1, 777, 4321, 9949]) {
    assertClose((body.predictions[i] as PredictionJson).probability, (body.predictions[i + 50] as PredictionJson).probability, `#${i}`)
  }
  assertClose((body.predictions[9999] as PredictionJson).probability, await singleProbability(customers[9999] as Customer), '#9999 vs /predict')
  expectError(await postJson(app, '/predict/batch', { customers: [...customers, validCustomer()] }), 413, 'BATCH_TOO_LARGE')
})

// ---- CSV ----

test('POST /predict/batch - CSV with API field names - same probabilities as the JSON batch', async () => {
  const json = await batch({ customers: SAMPLE })
  const csv = await csvBatch(toApiCsv(SAMPLE))
  assertSameProbabilities(csv, json, 'API-header CSV')
  assert.deepEqual(csv.predictions.map((p) => p.customerId), SAMPLE.map((c) => String(c.customerId)), 'CSV ids come back as text')
  csv.predictions.forEach((p) => assert.equal(p.willBuy, p.probability >= csv.threshold))
})

test('POST /predict/batch - CSV with the Kaggle header - same probabilities as the JSON batch', async () => {
  const json = await batch({ customers: SAMPLE })
  const csv = await csvBatch(toKaggleCsv(SAMPLE))
  assertSameProbabilities(csv, json, 'Kaggle-header CSV')
})

test('POST /predict/batch - Kaggle columns read swapped - refused as JSON and as CSV (the equality above means something)', async () => {
  // Reading Book_length(mins)_avg / Price_avg as averages (their names) instead of totals: every
  // two-book customer then has a total below its average, which no way in accepts.
  const swapped = SAMPLE.map((c) => ({
    ...c,
    bookLengthAvgMinutes: c.bookLengthTotalMinutes,
    bookLengthTotalMinutes: c.bookLengthAvgMinutes,
    priceAvg: c.priceTotal,
    priceTotal: c.priceAvg
  }))
  const twoBook = SAMPLE.flatMap((c, i) => (c.bookLengthTotalMinutes > c.bookLengthAvgMinutes ? [i] : []))
  assert.ok(twoBook.length > 0, 'precondition: the sample has two-book customers')
  const json = expectError(await postJson(app, '/predict/batch', { customers: swapped }), 400, 'VALIDATION_FAILED')
  assert.ok(detailPaths(json).includes(`customers/${twoBook[0] as number}/bookLengthTotalMinutes`), JSON.stringify(json.details))
  const csv = expectError(await postCsv(app, '/predict/batch', toKaggleCsv(swapped)), 400, 'VALIDATION_FAILED')
  assert.deepEqual(detailPaths(csv), twoBook.map((i) => `row ${i + 1} (line ${i + 2}), column Book_length(mins)_avg`))
})

test('POST /predict/batch - Kaggle CSV with a Target column, CRLF and a charset - accepted, same probabilities', async () => {
  const json = await batch({ customers: SAMPLE })
  assertSameProbabilities(await csvBatch(toKaggleCsv(SAMPLE, '\r\n', true)), json, 'Kaggle CRLF + Target')
  assertSameProbabilities(await csvBatch(toApiCsv(SAMPLE, '\r\n'), '', 'text/csv; charset=utf-8'), json, 'API CRLF + charset')
})

test('POST /predict/batch - CSV columns in another order and an empty reviewScore - same as JSON', async () => {
  const customers = SAMPLE.slice(0, 6)
  const order = [...API_COLUMNS].reverse()
  const text = [order.join(','), ...customers.map((c) => order.map((k) => {
    const v = (c as Record<string, unknown>)[k]
    return v === null || v === undefined ? '' : String(v)
  }).join(','))].join('\n')
  assertSameProbabilities(await csvBatch(text), await batch({ customers }), 'reordered columns')
})

test('POST /predict/batch - CSV with partial=true - scores good rows, lists the bad one', async () => {
  const customers = withBadItems(4, { 2: { completion: 1.5 } })
  const body = await csvBatch(toApiCsv(customers), '?partial=true')
  assert.deepEqual(body.predictions.map((p) => p.index), [0, 1, 3])
  assert.deepEqual(body.errors?.map((e) => [e.index, e.path]), [[2, 'row 3 (line 4), column completion']])
})

test('POST /predict/batch - CSV with Completion 1.5 on data row 3 - 400 naming row 3, line 4 and the column as in the header', async () => {
  const customers = withBadItems(5, { 2: { completion: 1.5 } })
  for (const [text, column] of [[toApiCsv(customers), 'completion'], [toKaggleCsv(customers), 'Completion']] as const) {
    const body = expectError(await postCsv(app, '/predict/batch', text), 400, 'VALIDATION_FAILED')
    assert.equal(body.message, `row 3 (line 4), column ${column}: must be <= 1, got "1.5"`)
    assert.deepEqual(body.details, [{ path: `row 3 (line 4), column ${column}`, message: 'must be <= 1, got "1.5"' }])
  }
})

test('POST /predict/batch - CSV cells that are not a number or a flag - 400 naming each row and column with the value', async () => {
  let text = replaceCell(toApiCsv(SAMPLE.slice(0, 2)), 2, columnIndexOf('bookLengthAvgMinutes'), 'long')
  text = replaceCell(text, 3, columnIndexOf('reviewed'), 'maybe')
  const body = expectError(await postCsv(app, '/predict/batch', text), 400, 'VALIDATION_FAILED')
  assert.deepEqual(body.details, [
    { path: 'row 1 (line 2), column bookLengthAvgMinutes', message: 'must be a number, got "long"' },
    { path: 'row 2 (line 3), column reviewed', message: 'must be 0/1 or true/false, got "maybe"' }
  ])
})

test('POST /predict/batch - CSV row with a missing cell - 400 naming the row and both counts', async () => {
  const lines = toApiCsv(SAMPLE.slice(0, 3)).split('\n')
  lines[2] = (lines[2] as string).split(',').slice(0, -1).join(',')
  const body = expectError(await postCsv(app, '/predict/batch', lines.join('\n')), 400, 'VALIDATION_FAILED')
  assert.equal(body.message, 'row 2 (line 3): has 10 columns, expected 11')
  assert.deepEqual(detailPaths(body), ['row 2 (line 3)'])
})

test('POST /predict/batch - CSV header missing a column - 400 naming the column', async () => {
  const customers = SAMPLE.slice(0, 2)
  const drop = (text: string, column: number): string => text.split('\n').map((l) => l.split(',').filter((_, i) => i !== column).join(',')).join('\n')
  const api = expectError(await postCsv(app, '/predict/batch', drop(toApiCsv(customers), API_COLUMNS.indexOf('completion'))), 400, 'INVALID_CSV')
  assert.match(api.message, /missing column.*\bcompletion\b/)
  const kaggle = expectError(await postCsv(app, '/predict/batch', drop(toKaggleCsv(customers), 2)), 400, 'INVALID_CSV')
  assert.match(kaggle.message, /missing column.*Book_length\(mins\)_avg/)
})

test('POST /predict/batch - CSV with an unknown column, no header or an open quote - 400', async () => {
  const text = toApiCsv(SAMPLE.slice(0, 2))
  const unknown = expectError(await postCsv(app, '/predict/batch', text.replace('\n', ',shoeSize\n').replace(/\n(.+)\n/, '\n$1,42\n')), 400, 'INVALID_CSV')
  assert.match(unknown.message, /shoeSize/)
  const headerless = expectError(await postCsv(app, '/predict/batch', '1,1620,1620,8.5,8.5,1,9,0,0,0,30\n2,1620,1620,8.5,8.5,0,,0,0,0,30\n'), 400, 'INVALID_CSV')
  assert.match(headerless.message, /header/)
  const quote = expectError(await postCsv(app, '/predict/batch', text.replace('\nc-0', '\n"c-0')), 400, 'INVALID_CSV')
  assert.match(quote.message, /CSV/)
})

test('POST /predict/batch - empty CSV body or header only - 400', async () => {
  const empty = expectError(await postCsv(app, '/predict/batch', ''), 400)
  assert.match(empty.message, /empty/)
  const headerOnly = expectError(await postCsv(app, '/predict/batch', API_COLUMNS.join(',') + '\n'), 400, 'INVALID_CSV')
  assert.equal(headerOnly.message, 'the CSV has a header but no data rows')
})
