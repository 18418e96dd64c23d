// Parquet file scoring in-process with a stand-in scorer (probability = completion): row groups and
// slices, batches spanning row groups, Parquet output row groups, column types passed through,
// backpressure, and the files it refuses.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse as parseSync } from 'csv-parse/sync'
import type { AsyncBuffer } from 'hyparquet'
import type { ColumnSource } from 'hyparquet-writer'
import type { ModelCard } from '../src/artefact/model-card.js'
import { CsvDataError } from '../src/domain/customer-csv.js'
import type { CustomerInputs } from '../src/domain/customer.js'
import type { ServingModel } from '../src/model/serving-model.js'
import { scoreParquetFile, type ParquetScoringOptions } from '../src/scoring/parquet-scoring.js'
import type { ScoringSummary } from '../src/scoring/file-scoring.js'
import { customerColumns, parquetBytes, parquetColumnTypes, parquetRowGroups, readParquetRows, type ParquetFileOptions } from './helpers/parquet.js'
import { generateCustomers } from './helpers/synthetic.js'

/** Batch sizes the scorer was called with, newest last. */
const batches: number[] = []
const completionScorer: ServingModel = {
  version: 'stub',
  threshold: 0.5,
  card: {} as ModelCard,
  predict: async (customers: readonly CustomerInputs[]) => {
    batches.push(customers.length)
    return Float32Array.from(customers, (c) => c.completion)
  }
}

function collect (): { stream: Writable, bytes: () => Buffer } {
  const chunks: Buffer[] = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      callback()
    }
  })
  return { stream, bytes: () => Buffer.concat(chunks) }
}

async function score (file: Buffer | AsyncBuffer, options: Partial<ParquetScoringOptions> = {}): Promise<{ output: Buffer, summary: ScoringSummary }> {
  const out = collect()
  const input = Buffer.isBuffer(file) ? file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer : file
  const summary = await scoreParquetFile(completionScorer, input, out.stream, { threshold: 0.5, ...options })
  return { output: out.bytes(), summary }
}

function records (csv: Buffer): string[][] {
  return parseSync(csv.toString('utf8')) as string[][]
}

const data = generateCustomers(50, 71)
const columns = customerColumns(data, { names: 'api' })
const file = (options: ParquetFileOptions = {}): Buffer => parquetBytes(columns, options)

test('scoreParquetFile - one row group, 4 groups with offset indexes read in slices of 7, 4 without - the same output; batches cut as the CSV path cuts them', async () => {
  const whole = await score(file(), { batchSize: 16 })
  assert.deepEqual(batches.splice(0), [16, 16, 16, 2])
  const sliced = await score(file({ rowGroupSize: 13 }), { batchSize: 16, readRows: 7 })
  assert.deepEqual(batches.splice(0), [16, 16, 16, 2], 'batches span slices and row groups')
  const unindexed = await score(file({ rowGroupSize: 13, offsetIndex: false }), { batchSize: 16, readRows: 7 })
  batches.splice(0)
  assert.equal(sliced.output.toString(), whole.output.toString())
  assert.equal(unindexed.output.toString(), whole.output.toString())
  assert.deepEqual(sliced.summary, whole.summary)
  const rows = records(whole.output)
  assert.equal(rows.length, 51)
  rows.slice(1).forEach((row, i) => {
    assert.equal(row[0], String(data.customers[i]?.customerId))
    assert.equal(Math.fround(Number(row.at(-2))), Math.fround(data.customers[i]?.completion as number))
  })
})

test('scoreParquetFile - Parquet output with rowGroupRows 16 - row groups of 16 rows, the rows and scores of the CSV output', async () => {
  const csv = await score(file({ rowGroupSize: 20 }), { batchSize: 6 })
  const parquet = await score(file({ rowGroupSize: 20 }), { batchSize: 6, outputFormat: 'parquet', rowGroupRows: 16 })
  batches.splice(0)
  assert.deepEqual(parquetRowGroups(parquet.output), [16, 16, 16, 2])
  const rows = await readParquetRows(parquet.output)
  const csvRows = records(csv.output).slice(1)
  assert.equal(rows.length, csvRows.length)
  rows.forEach((row, i) => {
    assert.equal(String(row.customerId), csvRows[i]?.[0])
    assert.equal(String(row.probability), csvRows[i]?.at(-2))
    assert.equal(String(row.willBuy), csvRows[i]?.at(-1))
  })
})

test('scoreParquetFile - extra columns (text, timestamp, JSON, float, DECIMAL price) - read, passed through typed to Parquet and as text to CSV', async () => {
  const small = generateCustomers(4, 72)
  const extra: ColumnSource[] = [
    ...customerColumns(small, { names: 'kaggle' }).map((c) => c.name === 'Price_overall' ? { name: c.name, data: c.data } : c),
    { name: 'segment', data: ['a', null, 'c,d', 'e'], type: 'STRING' },
    { name: 'seenAt', data: small.customers.map((_, i) => new Date(Date.UTC(2026, 0, i + 1))), type: 'TIMESTAMP' },
    { name: 'tags', data: [{ x: 1 }, null, [1, 2], 'plain'], type: 'JSON' },
    { name: 'weight', data: [0.5, 1.5, 2.5, 3.5], type: 'FLOAT' }
  ]
  const bytes = parquetBytes(extra, { schemaOverrides: { Price_overall: { name: 'Price_overall', type: 'INT64', converted_type: 'DECIMAL', scale: 2, precision: 10, repetition_type: 'OPTIONAL' } } })
  const csv = await score(bytes)
  const parquet = await score(bytes, { outputFormat: 'parquet' })
  batches.splice(0)
  const [header, ...rows] = records(csv.output)
  assert.deepEqual(header?.slice(-6), ['segment', 'seenAt', 'tags', 'weight', 'probability', 'willBuy'])
  assert.deepEqual(rows.map((r) => r.slice(-6, -2)), [
    ['a', '2026-01-01T00:00:00.000Z', '{"x":1}', '0.5'],
    ['', '2026-01-02T00:00:00.000Z', '', '1.5'],
    ['c,d', '2026-01-03T00:00:00.000Z', '[1,2]', '2.5'],
    ['e', '2026-01-04T00:00:00.000Z', 'plain', '3.5']
  ])
  assert.deepEqual(rows.map((r) => Number(r[3])), small.customers.map((c) => c.priceAvg), 'the DECIMAL price read as its value')
  const types = parquetColumnTypes(parquet.output)
  assert.deepEqual([types.Price_overall, types.segment, types.seenAt, types.tags, types.weight, types.ID], ['DOUBLE', 'BYTE_ARRAY/UTF8', 'INT64/TIMESTAMP_MILLIS', 'BYTE_ARRAY/UTF8', 'DOUBLE', 'INT64'])
  const out = await readParquetRows(parquet.output)
  assert.deepEqual(out.map((r) => r.tags), ['{"x":1}', null, '[1,2]', 'plain'])
  assert.deepEqual(out.map((r) => (r.seenAt as Date).toISOString()), rows.map((r) => r[13]))
})

test('scoreParquetFile - output that never drains - stops reading and scoring after a few row groups', async () => {
  const big = generateCustomers(3000, 73)
  const bytes = parquetBytes(customerColumns(big, { names: 'api' }), { rowGroupSize: 50, offsetIndex: false })
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  // Slices of column chunks: hyparquet's first read of a small file's footer takes all of it.
  let chunkReads = 0
  const counted: AsyncBuffer = {
    byteLength: buffer.byteLength,
    slice: async (start, end = buffer.byteLength) => {
      if (end - start < buffer.byteLength) chunkReads++
      return buffer.slice(start, end)
    }
  }
  const stalled = new Writable({ highWaterMark: 1024, write () { /* never calls back */ } })
  const controller = new AbortController()
  batches.splice(0)
  const scoring = scoreParquetFile(completionScorer, counted, stalled, { batchSize: 50, signal: controller.signal })
  await sleep(300)
  const [reads, scored] = [chunkReads, batches.length]
  await sleep(200)
  assert.deepEqual([chunkReads, batches.length], [reads, scored], 'reading and scoring have stopped')
  assert.ok(scored * 50 < 3000 / 4, `scored ${scored * 50} of 3000 rows ahead of the output`)
  controller.abort()
  await assert.rejects(scoring, { name: 'AbortError' })
  batches.splice(0)
})

test('scoreParquetFile - files it refuses - CsvDataError with a clear message', async () => {
  const noRows = parquetBytes(customerColumns(generateCustomers(0, 74), { names: 'api' }))
  const missing = parquetBytes(columns.filter((c) => c.name !== 'completion'))
  const allBad = parquetBytes(columns.map((c) => c.name === 'completion' ? { ...c, data: data.customers.map(() => 7) } : c))
  const scored = parquetBytes([...columns, { name: 'willBuy', data: data.customers.map(() => true), type: 'BOOLEAN' }])
  const cases: Array<[Buffer, Partial<ParquetScoringOptions>, RegExp]> = [
    [noRows, {}, /^the Parquet file has no rows$/],
    [missing, {}, /^header is missing column completion \(found: customerId, /],
    [allBad, { skipInvalid: true }, /^no valid rows: all 50 rows were invalid$/],
    [scored, {}, /^header already has column willBuy: is this file scored already\?$/],
    [Buffer.from('PAR1 not parquet at all PAR1'), {}, /^not readable as Parquet: /],
    [file().subarray(0, 200), {}, /^not a Parquet file: it does not start and end with "PAR1"$/]
  ]
  for (const [bytes, options, message] of cases) {
    await assert.rejects(score(bytes, options), (err: unknown) => err instanceof CsvDataError && message.test(err.message), message.source)
  }
  await assert.rejects(score(file(), { readRows: 0 }), RangeError)
  batches.splice(0)
})
