// CSV reader: the three layouts, line endings, BOM, and errors that name row, line and column.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CsvDataError, parseCustomerCsv, type ParsedCsv } from '../src/domain/customer-csv.js'
import type { Customer } from '../src/domain/customer.js'
import { generateCustomers, toCsv, type CsvHeaderStyle, type SyntheticData } from './helpers/synthetic.js'
import { columnIndexOf, removeCell, replaceCell } from './helpers/csv-edit.js'
import { TWO_BOOK_CUSTOMER } from './helpers/fixtures.js'

// Hand-written, made-up rows (never rows of the real data file).
const KAGGLE_HEADER = 'ID,Book_length(mins)_overall,Book_length(mins)_avg,Price_overall,Price_avg,Review,Review10/10,' +
  'Completion,Minutes_listened,Support_Request,Last_Visited_mins_Purchase_date,Target'
const KAGGLE_ROWS = [
  '7,1620,3240,9.5,19,1,9,0.45,1458,1,45,1',
  '8,2160,2160,5.33,5.33,0,8.91,0,0,0,0,0'
]
const API_HEADER = 'customerId,bookLengthAvgMinutes,bookLengthTotalMinutes,priceAvg,priceTotal,reviewed,reviewScore,' +
  'completion,minutesListened,supportRequests,lastVisitDaysAfterPurchase,target'
const API_ROWS = [
  '7,1620,3240,9.5,19,true,9,0.45,1458,1,45,1',
  '8,2160,2160,5.33,5.33,false,,0,0,0,0,0'
]

// The first row of both layouts: the shared two-book customer, id read as text.
const FIRST: Customer = { customerId: '7', ...TWO_BOOK_CUSTOMER }
const SECOND_KAGGLE: Customer = {
  customerId: '8',
  bookLengthAvgMinutes: 2160,
  bookLengthTotalMinutes: 2160,
  priceAvg: 5.33,
  priceTotal: 5.33,
  reviewed: false,
  reviewScore: 8.91,
  completion: 0,
  minutesListened: 0,
  supportRequests: 0,
  lastVisitDaysAfterPurchase: 0
}
// The API file leaves the score empty: the key is absent, not null.
const { reviewScore: _unused, ...SECOND_API } = SECOND_KAGGLE

const TRAINING = { requireTarget: true } as const

function lines (...rows: string[]): string {
  return rows.join('\n') + '\n'
}

/** Asserts that `fn` throws a CsvDataError with exactly this message. */
function throwsCsvError (fn: () => unknown, message: string | RegExp): CsvDataError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof CsvDataError, `expected a CsvDataError, got ${String(caught)}`)
  if (typeof message === 'string') assert.equal(caught.message, message)
  else assert.match(caught.message, message)
  return caught
}

/** What the parser should return for generator customers written by toCsv in `style`. */
function expectedAfterCsv (data: SyntheticData, style: CsvHeaderStyle): Customer[] {
  return data.customers.map((c) => {
    const { reviewScore, customerId, ...rest } = c
    const out: Customer = { ...rest, customerId: String(customerId) }
    if (reviewScore !== null && reviewScore !== undefined) out.reviewScore = reviewScore
    else if (style !== 'api') out.reviewScore = 8.91 // toCsv writes the Kaggle file's imputed score
    return out
  })
}

test('parseCustomerCsv - Kaggle header - swapped avg/total columns read into the right fields', () => {
  const parsed = parseCustomerCsv(lines(KAGGLE_HEADER, ...KAGGLE_ROWS), TRAINING)
  assert.equal(parsed.layout, 'kaggle')
  assert.deepEqual(parsed.customers, [FIRST, SECOND_KAGGLE])
  assert.deepEqual(parsed.labels, [1, 0])
  assert.deepEqual(parsed.skipped, [])
})

test('parseCustomerCsv - Kaggle header in another column order - fields found by name', () => {
  const header = 'Target,Price_avg,Price_overall,Book_length(mins)_avg,Book_length(mins)_overall,ID,Review,Review10/10,' +
    'Completion,Minutes_listened,Support_Request,Last_Visited_mins_Purchase_date'
  const row = '1,19,9.5,3240,1620,7,1,9,0.45,1458,1,45'
  const parsed = parseCustomerCsv(lines(header, row), TRAINING)
  assert.deepEqual(parsed.customers, [FIRST])
  assert.deepEqual(parsed.labels, [1])
})

test('parseCustomerCsv - API field-name header - booleans as words, empty score omitted', () => {
  const parsed = parseCustomerCsv(lines(API_HEADER, ...API_ROWS), TRAINING)
  assert.equal(parsed.layout, 'api')
  assert.deepEqual(parsed.customers, [FIRST, SECOND_API])
  assert.equal('reviewScore' in (parsed.customers[1] as object), false)
  assert.deepEqual(parsed.labels, [1, 0])
})

test('parseCustomerCsv - API header without the optional reviewScore column - accepted', () => {
  const header = API_HEADER.replace(',reviewScore', '')
  const row = '7,1620,3240,9.5,19,true,0.45,1458,1,45,1'
  const { reviewScore: _score, ...expected } = FIRST
  const parsed = parseCustomerCsv(lines(header, row), TRAINING)
  assert.deepEqual(parsed.customers, [expected])
})

test('parseCustomerCsv - headerless 12-column course file - read in Kaggle column order', () => {
  const parsed = parseCustomerCsv(lines(...KAGGLE_ROWS), TRAINING)
  assert.equal(parsed.layout, 'headerless')
  assert.deepEqual(parsed.customers, [FIRST, SECOND_KAGGLE])
  assert.deepEqual(parsed.labels, [1, 0])
})

test('parseCustomerCsv - headerless 11 columns without labels - read when labels are not required', () => {
  const rows = KAGGLE_ROWS.map((r) => r.slice(0, r.lastIndexOf(',')))
  const parsed = parseCustomerCsv(lines(...rows), { requireTarget: false })
  assert.deepEqual(parsed.customers, [FIRST, SECOND_KAGGLE])
  assert.deepEqual(parsed.labels, [])
  throwsCsvError(() => parseCustomerCsv(lines(...rows), TRAINING), /needs a Target column/)
})

test('parseCustomerCsv - headerless with 10 columns - names the expected count', () => {
  throwsCsvError(() => parseCustomerCsv(lines('1,2,3,4,5,6,7,8,9,10'), TRAINING), /must have 12 columns .* row 1 has 10/)
})

test('parseCustomerCsv - synthetic customers in every layout - read back exactly', () => {
  const data = generateCustomers(60, 101)
  for (const style of ['kaggle', 'api', 'headerless'] as const) {
    const parsed = parseCustomerCsv(toCsv(data, style), TRAINING)
    assert.equal(parsed.layout, style)
    assert.deepEqual(parsed.customers, expectedAfterCsv(data, style), style)
    assert.deepEqual(parsed.labels, data.labels, style)
  }
})

test('parseCustomerCsv - CRLF and LF - identical results', () => {
  const data = generateCustomers(40, 102)
  for (const style of ['kaggle', 'api', 'headerless'] as const) {
    const lf = parseCustomerCsv(toCsv(data, style, '\n'), TRAINING)
    const crlf = parseCustomerCsv(toCsv(data, style, '\r\n'), TRAINING)
    assert.deepEqual(crlf, lf, style)
  }
  const handLf = parseCustomerCsv(KAGGLE_HEADER + '\n' + KAGGLE_ROWS.join('\n'), TRAINING)
  const handCrlf = parseCustomerCsv(KAGGLE_HEADER + '\r\n' + KAGGLE_ROWS.join('\r\n') + '\r\n', TRAINING)
  assert.deepEqual(handCrlf, handLf)
  assert.deepEqual(handCrlf.customers, [FIRST, SECOND_KAGGLE])
})

test('parseCustomerCsv - CRLF file with a bad row - same row and line as with LF', () => {
  const lf = lines(KAGGLE_HEADER, ...KAGGLE_ROWS, '9,648,648,4,4,0,8.91,1.5,0,0,0,0')
  const crlf = lf.replaceAll('\n', '\r\n')
  const expected = 'row 3 (line 4), column Completion: must be <= 1, got "1.5"'
  throwsCsvError(() => parseCustomerCsv(lf, TRAINING), expected)
  throwsCsvError(() => parseCustomerCsv(crlf, TRAINING), expected)
})

test('parseCustomerCsv - UTF-8 BOM in a string or a Buffer - header still recognized', () => {
  const text = lines(KAGGLE_HEADER, ...KAGGLE_ROWS)
  const plain = parseCustomerCsv(text, TRAINING)
  const fromString = parseCustomerCsv('\uFEFF' + text, TRAINING)
  const fromBuffer = parseCustomerCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]), TRAINING)
  assert.deepEqual(fromString, plain)
  assert.deepEqual(fromBuffer, plain)
  assert.equal(fromBuffer.customers[0]?.customerId, '7')
})

test('parseCustomerCsv - row with too few columns - names row and line', () => {
  const text = lines(KAGGLE_HEADER, KAGGLE_ROWS[0] as string, '9,648,648,4,4,0,8.91,0.5,0,0,0')
  const err = throwsCsvError(() => parseCustomerCsv(text, TRAINING), 'row 2 (line 3): has 11 columns, expected 12')
  assert.deepEqual(err.problems, [{ row: 2, line: 3, column: null, message: 'has 11 columns, expected 12' }])
})

test('parseCustomerCsv - row with too many columns - names row and line', () => {
  const text = lines(API_HEADER, API_ROWS[0] + ',extra')
  throwsCsvError(() => parseCustomerCsv(text, TRAINING), 'row 1 (line 2): has 13 columns, expected 12')
})

test('parseCustomerCsv - non-number cell - names row, line and column', () => {
  const text = replaceCell(lines(KAGGLE_HEADER, ...KAGGLE_ROWS), 3, columnIndexOf('priceAvg'), 'abc')
  const err = throwsCsvError(() => parseCustomerCsv(text, TRAINING), 'row 2 (line 3), column Price_overall: must be a number, got "abc"')
  assert.equal(err.problems[0]?.column, 'Price_overall')
})

test('parseCustomerCsv - Completion 1.5 - out of range error names row, line and column', () => {
  const text = replaceCell(lines(KAGGLE_HEADER, ...KAGGLE_ROWS), 2, columnIndexOf('completion'), '1.5')
  throwsCsvError(() => parseCustomerCsv(text, TRAINING), 'row 1 (line 2), column Completion: must be <= 1, got "1.5"')
  throwsCsvError(() => parseCustomerCsv(text, { ...TRAINING, skipInvalid: false }), 'row 1 (line 2), column Completion: must be <= 1, got "1.5"')
})

test('parseCustomerCsv - API layout error - names the API column', () => {
  const text = replaceCell(lines(API_HEADER, ...API_ROWS), 3, columnIndexOf('supportRequests'), '1.5')
  throwsCsvError(() => parseCustomerCsv(text, TRAINING), 'row 2 (line 3), column supportRequests: must be integer, got "1.5"')
})

test('parseCustomerCsv - headerless error - row equals line and the column has its Kaggle name', () => {
  const text = replaceCell(lines(...KAGGLE_ROWS), 2, columnIndexOf('bookLengthAvgMinutes'), '0')
  throwsCsvError(() => parseCustomerCsv(text, TRAINING), 'row 2 (line 2), column Book_length(mins)_overall: must be > 0, got "0"')
})

test('parseCustomerCsv - blank lines before a bad row - counted in the line, not the row', () => {
  const text = [KAGGLE_HEADER, KAGGLE_ROWS[0], '', '', '9,648,648,4,-1,0,8.91,0.5,0,0,0,0'].join('\n')
  throwsCsvError(() => parseCustomerCsv(text, TRAINING), 'row 2 (line 5), column Price_avg: must be >= 0, got "-1"')
})

test('parseCustomerCsv - bad boolean and bad label - name their columns', () => {
  const badReview = replaceCell(lines(KAGGLE_HEADER, ...KAGGLE_ROWS), 2, columnIndexOf('reviewed'), 'yes')
  throwsCsvError(() => parseCustomerCsv(badReview, TRAINING), 'row 1 (line 2), column Review: must be 0/1 or true/false, got "yes"')
  const badLabel = replaceCell(lines(KAGGLE_HEADER, ...KAGGLE_ROWS), 3, 11, '2')
  throwsCsvError(() => parseCustomerCsv(badLabel, TRAINING), 'row 2 (line 3), column Target: must be 0 or 1, got "2"')
})

test('parseCustomerCsv - empty required cell - is empty', () => {
  const text = replaceCell(lines(API_HEADER, ...API_ROWS), 2, columnIndexOf('minutesListened'), '')
  throwsCsvError(() => parseCustomerCsv(text, TRAINING), 'row 1 (line 2), column minutesListened: is empty')
})

test('parseCustomerCsv - skipInvalid - drops bad rows and reports each with row, line and column', () => {
  const data = generateCustomers(6, 103)
  let text = toCsv(data, 'kaggle')
  text = replaceCell(text, 3, columnIndexOf('completion'), '1.5') // data row 2
  text = removeCell(text, 5, 4) // data row 4: 11 columns
  const parsed = parseCustomerCsv(text, { ...TRAINING, skipInvalid: true })
  const kept = [0, 2, 4, 5]
  assert.deepEqual(parsed.customers, kept.map((i) => expectedAfterCsv(data, 'kaggle')[i]))
  assert.deepEqual(parsed.labels, kept.map((i) => data.labels[i]))
  assert.deepEqual(parsed.skipped, [
    { row: 2, line: 3, column: 'Completion', message: 'must be <= 1, got "1.5"' },
    { row: 4, line: 5, column: null, message: 'has 11 columns, expected 12' }
  ])
})

test('parseCustomerCsv - skipInvalid with every row bad - throws with the count', () => {
  const text = lines(KAGGLE_HEADER, '1,x,1,1,1,0,1,0,0,0,0,0', '2,1,1,1,1,0,1,7,0,0,0,0')
  const err = throwsCsvError(() => parseCustomerCsv(text, { ...TRAINING, skipInvalid: true }), 'no valid rows: all 2 rows were invalid')
  assert.equal(err.problems.length, 2)
})

test('parseCustomerCsv - skipInvalid with a bad header - still throws', () => {
  throwsCsvError(() => parseCustomerCsv(lines(KAGGLE_HEADER.replace(',Completion', ''), '1'), { ...TRAINING, skipInvalid: true }), /missing column Completion/)
})

test('parseCustomerCsv - empty file - the CSV file is empty', () => {
  for (const text of ['', '\n\n', '\r\n', '\uFEFF']) {
    throwsCsvError(() => parseCustomerCsv(text, TRAINING), 'the CSV file is empty')
  }
})

test('parseCustomerCsv - header with no data rows - says so, in the words of the API', () => {
  throwsCsvError(() => parseCustomerCsv(KAGGLE_HEADER, TRAINING), 'the CSV has a header but no data rows')
  throwsCsvError(() => parseCustomerCsv(lines(API_HEADER, '', ''), TRAINING), 'the CSV has a header but no data rows')
})

test('parseCustomerCsv - missing columns - lists every missing name', () => {
  const one = KAGGLE_HEADER.replace(',Completion', '')
  throwsCsvError(() => parseCustomerCsv(lines(one, '1'), TRAINING), /^header is missing column Completion \(found: /)
  const two = API_HEADER.replace(',priceAvg', '').replace(',supportRequests', '')
  throwsCsvError(() => parseCustomerCsv(lines(two, '1'), TRAINING), /^header is missing columns priceAvg, supportRequests /)
})

test('parseCustomerCsv - missing label column - rejected for training, accepted for scoring', () => {
  const header = KAGGLE_HEADER.replace(',Target', '')
  const row = (KAGGLE_ROWS[0] as string).replace(/,1$/, '')
  throwsCsvError(() => parseCustomerCsv(lines(header, row), TRAINING), /no label column \(one of Target, Targets, target\)/)
  const parsed = parseCustomerCsv(lines(header, row), { requireTarget: false })
  assert.deepEqual(parsed.customers, [FIRST])
  assert.deepEqual(parsed.labels, [])
})

test('parseCustomerCsv - unknown column - rejected unless extra columns are allowed', () => {
  const header = KAGGLE_HEADER + ',Region'
  const rows = KAGGLE_ROWS.map((r) => r + ',north')
  throwsCsvError(() => parseCustomerCsv(lines(header, ...rows), TRAINING), 'header has unknown column Region')
  const parsed = parseCustomerCsv(lines(header, ...rows), { ...TRAINING, allowExtraColumns: true })
  assert.deepEqual(parsed.customers, [FIRST, SECOND_KAGGLE])
})

test('parseCustomerCsv - a column named almost like a field (review_score, Price-overall) - refused naming the field meant, even where extra columns are allowed', () => {
  const header = API_HEADER.replace('reviewScore', 'review_score')
  for (const options of [TRAINING, { requireTarget: false, allowExtraColumns: true }]) {
    throwsCsvError(() => parseCustomerCsv(lines(header, '1'), options), /named almost like a field: review_score \(reviewScore\?\); column names must match exactly/)
  }
  throwsCsvError(() => parseCustomerCsv(lines(KAGGLE_HEADER + ',price-overall', ...KAGGLE_ROWS.map((r) => r + ',1')), { requireTarget: false, allowExtraColumns: true }), /price-overall \(Price_overall\?\)/)
})

test('parseCustomerCsv - extra id and label columns (id, Id, customer_id, TARGET) where extra columns are allowed - read, not taken for misspelled fields', () => {
  const header = KAGGLE_HEADER + ',id,Id,customer_id,TARGET'
  const parsed = parseCustomerCsv(lines(header, ...KAGGLE_ROWS.map((r) => r + ',a,b,c,d')), { requireTarget: false, allowExtraColumns: true })
  assert.deepEqual(parsed.customers, [FIRST, SECOND_KAGGLE])
})

test('parseCustomerCsv - column named twice - rejected', () => {
  throwsCsvError(() => parseCustomerCsv(lines(API_HEADER + ',completion', '1'), TRAINING), 'header names column "completion" twice')
})

test('parseCustomerCsv - result - pure data a second parse reproduces', () => {
  const text = toCsv(generateCustomers(20, 104), 'api')
  const a: ParsedCsv = parseCustomerCsv(text, TRAINING)
  const b: ParsedCsv = parseCustomerCsv(text, TRAINING)
  assert.deepEqual(a, b)
  assert.notEqual(a.customers, b.customers)
})

test('parseCustomerCsv - headerless file whose first row has an empty review score - read like any other row', () => {
  // The same two rows parse when the empty score is on row 2; swapped, the file is taken for a header.
  const rowWithEmptyScore = '8,2160,2160,5.33,5.33,0,,0,0,0,0,0'
  const parsed = parseCustomerCsv(lines(rowWithEmptyScore, KAGGLE_ROWS[0] as string), TRAINING)
  assert.equal(parsed.layout, 'headerless')
  assert.deepEqual(parsed.customers, [SECOND_API, FIRST])
})

test('parseCustomerCsv - API header, a total below its average - refused naming both API columns; no Kaggle hint', () => {
  const text = replaceCell(lines(API_HEADER, ...API_ROWS), 2, columnIndexOf('priceTotal'), '9')
  throwsCsvError(() => parseCustomerCsv(text, TRAINING),
    'row 1 (line 2), column priceTotal: 9 is below priceAvg (9.5), but a total cannot be below its average: priceAvg and priceTotal may be swapped')
  // Equal is a one-book customer: accepted.
  assert.equal(parseCustomerCsv(replaceCell(text, 2, columnIndexOf('priceTotal'), '9.5'), TRAINING).customers.length, 2)
})

test('parseCustomerCsv - \';\' inside a column name of a comma file - not taken for a wrong separator', () => {
  const header = KAGGLE_HEADER + ',notes;extra'
  const parsed = parseCustomerCsv(lines(header, ...KAGGLE_ROWS.map((r) => r + ',a;b')), { ...TRAINING, allowExtraColumns: true })
  assert.equal(parsed.customers.length, 2)
  throwsCsvError(() => parseCustomerCsv(lines('ID;Completion', '1;0,5'), TRAINING), 'the CSV uses \';\' as separator: use \',\'')
})
