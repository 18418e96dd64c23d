// Streaming file scoring in-process: pass-through and quoting, line numbers, batch boundaries,
// backpressure, and the inputs it refuses. The scorer is a stand-in (probability = completion), so
// every output row shows which input row it was scored from; the real model is checked in score-cli.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable, Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse as parseSync } from 'csv-parse/sync'
import { CsvDataError, NO_DATA_ROWS_MESSAGE, parseCustomerCsv } from '../src/domain/customer-csv.js'
import type { ModelCard } from '../src/artefact/model-card.js'
import type { ServingModel } from '../src/model/serving-model.js'
import { KEPT_PROBLEMS, MAX_RECORD_CHARS, scoreCsvStream, type FileScoringOptions, type ScoringSummary } from '../src/scoring/file-scoring.js'
import { probabilityText } from '../src/scoring/reported-probability.js'
import { columnIndexOf, replaceCell } from './helpers/csv-edit.js'
import { generateCustomers, toCsv } from './helpers/synthetic.js'

function stubModel (probability: (completion: number) => number): ServingModel {
  return {
    version: 'stub',
    threshold: 0.5,
    card: {} as ModelCard,
    predict: async (customers) => Float32Array.from(customers, (c) => probability(c.completion))
  }
}

const completionScorer = stubModel((completion) => completion)

const HEADER = 'ID,Book_length(mins)_overall,Book_length(mins)_avg,Price_overall,Price_avg,Review,Review10/10,' +
  'Completion,Minutes_listened,Support_Request,Last_Visited_mins_Purchase_date,Target'

async function scoreText (text: string, options: Partial<FileScoringOptions> = {}): Promise<{ output: string, summary: ScoringSummary }> {
  const chunks: Buffer[] = []
  const output = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      callback()
    }
  })
  const summary = await scoreCsvStream(completionScorer, Readable.from([text]), output, { threshold: 0.5, ...options })
  return { output: Buffer.concat(chunks).toString('utf8'), summary }
}

function records (csv: string): string[][] {
  return parseSync(csv, { bom: true }) as string[][]
}

test('scoreCsvStream - cells with commas, quotes and line breaks - passed through as read, quoted again', async () => {
  const notes = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', '  spaced  ']
  const quote = (cell: string): string => `"${cell.replaceAll('"', '""')}"`
  const text = [`${HEADER},note`, ...notes.map((note, i) => `${i + 1},1620,1620,9.5,9.5,0,8.91,0.${i},0,0,0,0,${quote(note)}`)].join('\n') + '\n'
  const { output, summary } = await scoreText(text)
  assert.equal(summary.rowsScored, notes.length)
  const [header, ...rows] = records(output)
  assert.deepEqual(header, [...HEADER.split(','), 'note', 'probability', 'willBuy'])
  assert.deepEqual(rows.map((row) => row.slice(0, 13)), records(text).slice(1))
  assert.deepEqual(rows.map((row) => row[12]), notes)
  assert.ok(output.includes('\n6,1620,1620,9.5,9.5,0,8.91,0.5,0,0,0,0,  spaced  ,0.5,true\n'), 'cells without special characters stay unquoted')
})

test('scoreCsvStream - a Kaggle export with an empty or non-0/1 Target column - scored (the label is not read), the column copied as it was', async () => {
  const text = [HEADER, '1,1620,1620,9.5,9.5,0,8.91,0.25,0,0,0,', '2,1620,1620,9.5,9.5,0,8.91,0.5,0,0,0,unknown'].join('\n') + '\n'
  const { output, summary } = await scoreText(text)
  assert.equal(summary.rowsScored, 2)
  const [, ...rows] = records(output)
  assert.deepEqual(rows.map((row) => [row[11], row[12]]), [['', '0.25'], ['unknown', '0.5']])
})

test('scoreCsvStream - bad row after a multi-line cell - the same row and line as parseCustomerCsv, LF and CRLF', async () => {
  for (const eol of ['\n', '\r\n']) {
    const text = [`${HEADER},note`, `1,1620,1620,9.5,9.5,0,8.91,0.1,0,0,0,0,"line 1${eol}line 2${eol}line 3"`, '', '2,1620,1620,9.5,9.5,0,8.91,0.2,0,0,0,0,x', '3,1620,1620,9.5,9.5,0,8.91,7,0,0,0,0,x'].join(eol) + eol
    let expected: CsvDataError | undefined
    try {
      parseCustomerCsv(text, { requireTarget: false, allowExtraColumns: true })
    } catch (err) {
      expected = err as CsvDataError
    }
    assert.ok(expected instanceof CsvDataError)
    // csv-parse counts a CRLF inside a quoted cell as two lines: both readers inherit that.
    if (eol === '\n') assert.equal(expected.message, 'row 3 (line 7), column Completion: must be <= 1, got "7"')
    await assert.rejects(scoreText(text), (err: unknown) => {
      assert.ok(err instanceof CsvDataError)
      assert.equal(err.message, expected.message)
      assert.deepEqual(err.problems, expected.problems)
      return true
    })
  }
})

test('scoreCsvStream - batch sizes 1, 7 and 1000 - the same output, every probability on its own row', async () => {
  const text = toCsv(generateCustomers(50, 41), 'kaggle', '\r\n')
  const outputs = await Promise.all([1, 7, 1000].map(async (batchSize) => (await scoreText(text, { batchSize })).output))
  assert.equal(outputs[1], outputs[0])
  assert.equal(outputs[2], outputs[0])
  const completion = columnIndexOf('completion')
  for (const row of records(outputs[0] as string).slice(1)) {
    assert.equal(Math.fround(Number(row[12])), Math.fround(Number(row[completion])))
    assert.equal(row[13], String(Number(row[12]) >= 0.5))
  }
})

test('scoreCsvStream - headerless input - the Kaggle header is written first', async () => {
  const text = toCsv(generateCustomers(5, 42), 'headerless', '\n', false)
  const { output, summary } = await scoreText(text)
  assert.equal(summary.layout, 'headerless')
  const [header, ...rows] = records(output)
  assert.deepEqual(header, [...HEADER.split(',').slice(0, -1), 'probability', 'willBuy'])
  assert.deepEqual(rows.map((row) => row.slice(0, 11)), records(text))
})

test('scoreCsvStream - output that never drains - stops reading the input after a few batches', async () => {
  const rows = toCsv(generateCustomers(100, 43), 'headerless', '\n')
  let rowsGenerated = 0
  const input = new Readable({
    read () {
      // Up to a million rows, made only when the parser asks for more.
      if (rowsGenerated >= 1_000_000) {
        this.push(null)
        return
      }
      this.push(rowsGenerated === 0 ? `${HEADER}\n${rows}` : rows)
      rowsGenerated += 100
    }
  })
  const stalled = new Writable({ write () { /* never calls back: a consumer that stopped reading */ } })
  const scoring = scoreCsvStream(completionScorer, input, stalled, { threshold: 0.5, batchSize: 256 })
  await sleep(500)
  const generated = rowsGenerated
  await sleep(200)
  assert.equal(rowsGenerated, generated, 'reading has stopped')
  assert.ok(generated < 5000, `read ${generated} rows ahead of the output`)
  input.destroy(new Error('test over'))
  await assert.rejects(scoring, /test over/)
})

test('scoreCsvStream - skipInvalid - scores the rest in order, counts every bad row, keeps the first ones', async () => {
  let text = toCsv(generateCustomers(60, 44), 'kaggle', '\n')
  const badLines = Array.from({ length: KEPT_PROBLEMS + 5 }, (_, i) => 2 + 2 * i)
  for (const line of badLines) text = replaceCell(text, line, columnIndexOf('priceAvg'), 'abc')
  const { output, summary } = await scoreText(text, { skipInvalid: true, batchSize: 8 })
  assert.deepEqual({ read: summary.rowsRead, scored: summary.rowsScored, skipped: summary.rowsSkipped }, { read: 60, scored: 60 - badLines.length, skipped: badLines.length })
  assert.equal(summary.problems.length, KEPT_PROBLEMS)
  assert.deepEqual(summary.problems[0], { row: 1, line: 2, column: 'Price_overall', message: 'must be a number, got "abc"' })
  const kept = records(text).slice(1).filter((_, i) => !badLines.includes(i + 2))
  assert.deepEqual(records(output).slice(1).map((row) => row.slice(0, 12)), kept)
})

test('scoreCsvStream - header only - refused with the message the API and training give', async () => {
  await assert.rejects(scoreText(`${HEADER}\r\n`), (err: unknown) => err instanceof CsvDataError && err.message === NO_DATA_ROWS_MESSAGE)
})

test('scoreCsvStream - inputs it refuses - CsvDataError with a clear message', async () => {
  const oneRow = '1,1620,1620,9.5,9.5,0,8.91,0.5,0,0,0,0'
  const cases: Array<[string, Partial<FileScoringOptions>, RegExp]> = [
    ['', {}, /^the CSV input is empty$/],
    [`${HEADER},probability\n${oneRow},0.3\n`, {}, /^header already has column probability: is this file scored already\?$/],
    [`${HEADER}\n${oneRow}\n2,"1620,1620\n`, { skipInvalid: true }, /^not readable as CSV: Quote Not Closed/],
    [`${HEADER}\n${oneRow.replace('0.5', '-1')}\n`, { skipInvalid: true }, /^no valid rows: the only row was invalid$/],
    ['ID,Price_overall\n1,2\n', {}, /^header is missing columns/],
    // A record longer than MAX_RECORD_CHARS stops the parser instead of growing its buffer.
    [`${HEADER},note\n${oneRow},${'x'.repeat(MAX_RECORD_CHARS + 1)}\n`, { skipInvalid: true }, /^not readable as CSV: Max Record Size/]
  ]
  for (const [text, options, message] of cases) {
    await assert.rejects(scoreText(text, options), (err: unknown) => err instanceof CsvDataError && message.test(err.message), message.source)
  }
})

test('scoreCsvStream - bad options - RangeError before reading', async () => {
  await assert.rejects(scoreText('', { batchSize: 0 }), RangeError)
  await assert.rejects(scoreText('', { threshold: Number.NaN }), RangeError)
})

test('scoreCsvStream - probability cells - the API text (9 decimals), willBuy decided on that rounded value', async () => {
  // The model computes in float32; 0.4999999996 is 0.5 in float32 and meets the threshold 0.5.
  const ps = [0.1, 0.36875736713409424, 0.000149734566, 0.999999, 1e-10, 0.4999999996]
  const rows = ps.map((_, i) => `${i},1620,1620,9.5,9.5,1,9,${i / 10},0,0,0,0`)
  const model = stubModel((completion) => ps[Math.round(completion * 10)] as number)
  const chunks: Buffer[] = []
  const output = new Writable({ write (chunk: Buffer, _encoding, callback) { chunks.push(chunk); callback() } })
  await scoreCsvStream(model, Readable.from([[HEADER, ...rows].join('\n')]), output, {})
  const cells = records(Buffer.concat(chunks).toString('utf8')).slice(1).map((r) => [r.at(-2), r.at(-1)])
  assert.deepEqual(cells, ps.map((p) => [probabilityText(Math.fround(p)), String(Number(probabilityText(Math.fround(p))) >= 0.5)]))
  assert.deepEqual(cells[0], ['0.100000001', 'false'])
  assert.deepEqual(cells[3], ['0.999998987', 'true'])
  assert.deepEqual(cells[4], ['0', 'false'])
  assert.deepEqual(cells[5], ['0.5', 'true'])
})
