// CSV errors speak CSV: a text/csv batch body is read by the codec the score CLI and training use, so
// the same bad file gets the same row, line and column message from all three; files that are not a
// customer CSV at all (empty, header only, ';' or tab separators) are named as such. Stand-in model over
// HTTP; the score CLI runs in process on the committed model. Made-up customers only (synthetic.ts).
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Customer } from '../src/domain/customer.js'
import { CsvDataError, parseCustomerCsv } from '../src/domain/customer-csv.js'
import { main as scoreMain } from '../scripts/score.js'
import { main as trainMain } from '../scripts/train.js'
import { buildTestApp } from './helpers/app.js'
import { makeTempDir } from './helpers/artefact.js'
import { runMain } from './helpers/cli-io.js'
import { columnIndexOf, replaceCell } from './helpers/csv-edit.js'
import { API_COLUMNS, expectError, postCsv, postJson, toApiCsv, toKaggleCsv, type ErrorJson } from './helpers/http.js'
import { committedStubModel } from './helpers/stub-model.js'
import { generateCustomers, toCsv } from './helpers/synthetic.js'

interface BatchJson {
  predictions: Array<{ index?: number, customerId?: string | number, probability: number }>
  errors?: Array<{ index: number, path: string, message: string }>
}

let app: FastifyInstance
let work: { dir: string, remove: () => Promise<void> }
before(async () => {
  app = await buildTestApp(committedStubModel())
  work = await makeTempDir('csv-errors')
})
after(async () => {
  await app.close()
  await work.remove()
})

/** Kaggle-header CSV (with Target) of customers who all bought two books, so average != total. */
function kaggleFile (count: number, seed: number): string {
  return toCsv(generateCustomers(count, seed, { twoBookShare: 1 }), 'kaggle')
}

/** The cells of one field, as written in `csv` at 1-based `line`. */
function cellAt (csv: string, line: number, field: Parameters<typeof columnIndexOf>[0]): string {
  return (csv.split('\n')[line - 1] as string).split(',')[columnIndexOf(field)] as string
}

/** Swaps the average and total book-length cells at `line`: what mapping the Kaggle columns by name does. */
function swapBookLengths (csv: string, line: number): string {
  const average = cellAt(csv, line, 'bookLengthAvgMinutes')
  const total = cellAt(csv, line, 'bookLengthTotalMinutes')
  return replaceCell(replaceCell(csv, line, columnIndexOf('bookLengthAvgMinutes'), total), line, columnIndexOf('bookLengthTotalMinutes'), average)
}

/** The swapped-columns message for a Kaggle file, values as written. */
function swappedMessage (total: string, average: string): string {
  return `${total} is below Book_length(mins)_overall (${average}), but a total cannot be below its average: ` +
    'Book_length(mins)_overall and Book_length(mins)_avg may be swapped ' +
    '(Book_length(mins)_overall holds the average and Book_length(mins)_avg the total, despite their names)'
}

async function batchCsv (text: string, query = ''): Promise<BatchJson> {
  const response = await postCsv(app, `/predict/batch${query}`, text)
  assert.equal(response.statusCode, 200, response.body)
  return response.json<BatchJson>()
}

async function score (text: string, flags: readonly string[] = []): Promise<{ code: number, stdout: string, stderr: string }> {
  return await runMain(scoreMain, ['--in', '-', '--quiet', ...flags], { stdin: text })
}

function throwsCsv (fn: () => unknown): CsvDataError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof CsvDataError, String(err))
    return err
  }
  assert.fail('expected a CsvDataError')
}

// ---- files that are not a customer CSV ----

test('POST /predict/batch CSV - empty body or blank lines only - 400 INVALID_CSV saying it is empty', async () => {
  for (const text of ['', '\n\n', '\r\n']) {
    const body = expectError(await postCsv(app, '/predict/batch', text), 400, 'INVALID_CSV')
    assert.equal(body.message, 'the CSV body is empty: send a header row and one row per customer')
  }
})

test('POST /predict/batch CSV - a header and no data rows - 400 INVALID_CSV saying so, as training does', async () => {
  for (const text of [toKaggleCsv([]), API_COLUMNS.join(',') + '\r\n\r\n']) {
    const body = expectError(await postCsv(app, '/predict/batch', text), 400, 'INVALID_CSV')
    assert.equal(body.message, 'the CSV has a header but no data rows')
    assert.equal(body.details, undefined)
  }
  assert.equal(throwsCsv(() => parseCustomerCsv(toKaggleCsv([]), { requireTarget: false })).message, 'the CSV has a header but no data rows')
})

test('POST /predict/batch CSV - \';\' separators with decimal commas, or tabs - 400 INVALID_CSV naming the separator; score and training say the same', async () => {
  const comma = kaggleFile(3, 1)
  const semicolon = comma.split('\n').map((line) => line.replaceAll(',', ';').replace(/(\d)\.(\d)/g, '$1,$2')).join('\n')
  assert.match(semicolon, /\d,\d/, 'precondition: decimal commas, which split the rows when read with commas')
  const tab = comma.replaceAll(',', '\t')
  const headerless = toCsv(generateCustomers(3, 1), 'headerless').replaceAll(',', ';')
  for (const [text, message] of [
    [semicolon, 'the CSV uses \';\' as separator: use \',\''],
    [tab, 'the CSV uses tabs as separator: use \',\''],
    [toApiCsv(generateCustomers(2, 2).customers).replaceAll(',', ';'), 'the CSV uses \';\' as separator: use \',\'']
  ] as const) {
    const body = expectError(await postCsv(app, '/predict/batch', text), 400, 'INVALID_CSV')
    assert.equal(body.message, message)
    const run = await score(text)
    assert.equal(run.code, 2, run.stderr)
    assert.equal(run.stderr, `score: ${message}\n`)
    assert.equal(throwsCsv(() => parseCustomerCsv(text, { requireTarget: true })).message, message)
  }
  // A headerless ';' file (the course layout) is named too, where it is read at all: the CLI and training.
  assert.equal(throwsCsv(() => parseCustomerCsv(headerless, { requireTarget: true })).message, 'the CSV uses \';\' as separator: use \',\'')
})

test('POST /predict/batch CSV - a header missing a column - 400 INVALID_CSV naming it, not a separator', async () => {
  const text = kaggleFile(2, 3).split('\n').map((line) => line.split(',').filter((_, i) => i !== columnIndexOf('completion')).join(',')).join('\n')
  const body = expectError(await postCsv(app, '/predict/batch', text), 400, 'INVALID_CSV')
  assert.match(body.message, /^header is missing column Completion \(found: ID, /)
})

// ---- bad rows: the same message over HTTP, from the score CLI and from training ----

test('bad cell "9,5" in Price_overall on data row 3 - the same row, line, column and value over HTTP, from npm run score and from training', async () => {
  const text = replaceCell(kaggleFile(5, 4), 4, columnIndexOf('priceAvg'), '"9,5"')
  const expected = 'row 3 (line 4), column Price_overall: must be a number, got "9,5"'
  const body = expectError(await postCsv(app, '/predict/batch', text), 400, 'VALIDATION_FAILED')
  assert.equal(body.message, expected)
  assert.deepEqual(body.details, [{ path: 'row 3 (line 4), column Price_overall', message: 'must be a number, got "9,5"' }])
  const run = await score(text)
  assert.equal(run.code, 2, run.stderr)
  assert.equal(run.stderr, `score: ${expected}\n`)
  assert.equal(throwsCsv(() => parseCustomerCsv(text, { requireTarget: true })).message, expected)
})

test('POST /predict/batch CSV - 150 bad rows - every one listed up to 100, the message counts the rest', async () => {
  let text = kaggleFile(160, 5)
  for (let line = 2; line < 152; line++) text = replaceCell(text, line, columnIndexOf('completion'), '7')
  const body = expectError(await postCsv(app, '/predict/batch', text), 400, 'VALIDATION_FAILED')
  assert.equal(body.message, 'row 1 (line 2), column Completion: must be <= 1, got "7" (and 149 more problems: see details)')
  assert.equal(body.details?.length, 100)
  assert.deepEqual(body.details?.map((d) => d.path), Array.from({ length: 100 }, (_, i) => `row ${i + 1} (line ${i + 2}), column Completion`))
})

test('POST /predict/batch CSV - a row with a missing cell and a multi-line id before it - named by row and by the file\'s line', async () => {
  let text = toApiCsv(generateCustomers(3, 6, { twoBookShare: 1 }).customers)
  text = text.replace('\n1000,', '\n"10\n00",') // data row 1 spans lines 2-3
  const lines = text.split('\n')
  lines[4] = (lines[4] as string).split(',').slice(0, -1).join(',') // data row 3, line 5
  const body = expectError(await postCsv(app, '/predict/batch', lines.join('\n')), 400, 'VALIDATION_FAILED')
  assert.deepEqual(body.details, [{ path: 'row 3 (line 5)', message: 'has 10 columns, expected 11' }])
})

// ---- partial mode ----

test('POST /predict/batch?partial=true CSV - bad rows listed with their 0-based index and CSV place, the rest scored as the JSON batch is', async () => {
  const { customers } = generateCustomers(6, 7, { twoBookShare: 1 })
  let text = replaceCell(toApiCsv(customers), 3, columnIndexOf('completion'), '1.5') // data row 2
  text = replaceCell(text, 5, columnIndexOf('priceTotal'), '0.5') // data row 4: total below its average
  const csv = await batchCsv(text, '?partial=true')
  assert.deepEqual(csv.errors, [
    { index: 1, path: 'row 2 (line 3), column completion', message: 'must be <= 1, got "1.5"' },
    { index: 3, path: 'row 4 (line 5), column priceTotal', message: `0.5 is below priceAvg (${String(customers[3]?.priceAvg)}), but a total cannot be below its average: priceAvg and priceTotal may be swapped` }
  ])
  assert.deepEqual(csv.predictions.map((p) => p.index), [0, 2, 4, 5])
  const broken = customers.map((c, i) => (i === 1 ? { ...c, completion: 1.5 } : i === 3 ? { ...c, priceTotal: 0.5 } : c)) as Customer[]
  const json = (await postJson(app, '/predict/batch?partial=true', { customers: broken })).json<BatchJson>()
  assert.deepEqual(json.errors?.map((e) => e.index), [1, 3], 'JSON partial mode rejects the same items')
  assert.deepEqual(csv.predictions.map((p) => [p.index, p.probability]), json.predictions.map((p) => [p.index, p.probability]))
})

test('POST /predict/batch?partial=true CSV - every row bad - 200, no predictions, every row listed', async () => {
  let text = kaggleFile(3, 8)
  for (const line of [2, 3, 4]) text = replaceCell(text, line, columnIndexOf('reviewed'), 'yes')
  const body = await batchCsv(text, '?partial=true')
  assert.deepEqual(body.predictions, [])
  assert.deepEqual(body.errors?.map((e) => [e.index, e.path]), [0, 1, 2].map((i) => [i, `row ${i + 1} (line ${i + 2}), column Review`]))
})

test('POST /predict/batch CSV - a bad query and bad rows - the query is named first, as for JSON', async () => {
  const someBad = replaceCell(kaggleFile(3, 9), 2, columnIndexOf('completion'), '7')
  let allBad = someBad
  for (const line of [3, 4]) allBad = replaceCell(allBad, line, columnIndexOf('completion'), '7')
  for (const text of [someBad, allBad]) {
    const body: ErrorJson = expectError(await postCsv(app, '/predict/batch?partial=true&threshold=2', text), 400, 'VALIDATION_FAILED')
    assert.match(body.message, /^querystring\/threshold /)
  }
})

// ---- what the CSV body accepted before the codec, still accepted (or refused) ----

test('POST /predict/batch CSV - a Target column with any value - ignored; an id over 200 characters - refused naming row and column', async () => {
  const text = replaceCell(kaggleFile(2, 10), 3, 11, 'maybe')
  assert.equal((await batchCsv(text)).predictions.length, 2)
  const long = replaceCell(kaggleFile(2, 10), 3, 0, 'x'.repeat(201))
  const body = expectError(await postCsv(app, '/predict/batch', long), 400, 'VALIDATION_FAILED')
  assert.deepEqual(body.details, [{ path: 'row 2 (line 3), column ID', message: 'must be at most 200 characters, got 201' }])
  assert.equal((await batchCsv(replaceCell(kaggleFile(2, 10), 3, 0, 'é'.repeat(200)))).predictions[1]?.customerId, 'é'.repeat(200))
})

// ---- a total below its average (swapped Kaggle columns), on the three paths ----

test('swapped book-length columns on data row 2 - refused over HTTP naming row, line and both columns as in the header', async () => {
  const clean = kaggleFile(4, 11)
  const text = swapBookLengths(clean, 3)
  const message = swappedMessage(cellAt(clean, 3, 'bookLengthAvgMinutes'), cellAt(clean, 3, 'bookLengthTotalMinutes'))
  const body = expectError(await postCsv(app, '/predict/batch', text), 400, 'VALIDATION_FAILED')
  assert.equal(body.message, `row 2 (line 3), column Book_length(mins)_avg: ${message}`)
  assert.deepEqual(body.details, [{ path: 'row 2 (line 3), column Book_length(mins)_avg', message }])
  const partial = await batchCsv(text, '?partial=true')
  assert.deepEqual(partial.errors, [{ index: 1, path: 'row 2 (line 3), column Book_length(mins)_avg', message }])
  assert.deepEqual(partial.predictions.map((p) => p.index), [0, 2, 3])
  // The clean file is accepted: the refusal is the swap's.
  assert.equal((await batchCsv(clean)).predictions.length, 4)
})

test('swapped book-length columns on data row 2 - npm run score exits 2 naming it, or skips and lists it with --skip-invalid', async () => {
  const clean = kaggleFile(4, 12)
  const text = swapBookLengths(clean, 3)
  const expected = `row 2 (line 3), column Book_length(mins)_avg: ${swappedMessage(cellAt(clean, 3, 'bookLengthAvgMinutes'), cellAt(clean, 3, 'bookLengthTotalMinutes'))}`
  const refused = await score(text)
  assert.equal(refused.code, 2, refused.stderr)
  assert.equal(refused.stderr, `score: ${expected}\n`)
  const skipped = await score(text, ['--skip-invalid'])
  assert.equal(skipped.code, 0, skipped.stderr)
  assert.equal(skipped.stderr, `  skipped ${expected}\n`)
  assert.deepEqual(skipped.stdout.trim().split('\n').slice(1).map((line) => line.split(',')[0]), ['1000', '1002', '1003'])
})

test('swapped book-length columns on data row 2 - training refuses the file (exit 2 naming it) or skips the row with --skip-invalid', async () => {
  const clean = kaggleFile(4, 13)
  const text = swapBookLengths(clean, 3)
  const expected = `row 2 (line 3), column Book_length(mins)_avg: ${swappedMessage(cellAt(clean, 3, 'bookLengthAvgMinutes'), cellAt(clean, 3, 'bookLengthTotalMinutes'))}`
  assert.equal(throwsCsv(() => parseCustomerCsv(text, { requireTarget: true })).message, expected)
  const parsed = parseCustomerCsv(text, { requireTarget: true, skipInvalid: true })
  assert.deepEqual(parsed.customers.map((c) => c.customerId), ['1000', '1002', '1003'])
  assert.deepEqual(parsed.skipped.map((p) => p.column), ['Book_length(mins)_avg'])
  const file = join(work.dir, 'swapped.csv')
  await writeFile(file, text)
  const run = await runMain(trainMain, ['--data', file, '--models-dir', join(work.dir, 'models'), '--quiet'])
  assert.equal(run.code, 2, run.stderr)
  assert.equal(run.stderr, `train: ${expected}\n`)
})
